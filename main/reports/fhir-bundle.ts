/**
 * The wound's course as a FHIR R4 Bundle (type collection): the Patient (the identifiers the clinic
 * chooses to share), a Condition for the wound (body site, etiology, onset), per assessment a wound
 * size panel (LOINC 72287-6) with one Observation per measure — length 39126-8, width 39125-0,
 * depth 39127-6, area 89260-4, volume 94083-3 — in UCUM units, undermining (72293-4 depth with the
 * clock position 72294-2 as a component) and tunnelling (72296-7 / 72297-5) from the annotations,
 * tissue appearance 72371-8 with its area % 72370-0, and a DocumentReference holding the signed PDF.
 *
 * Checked before it leaves and when a file is read back (`checkWoundBundle`): the R4 definitions
 * (main/shared/fhir-validate.ts: cardinality, types, invariants) and, because those do not look at
 * terminology, the codes: every coding's system must be one this export uses, every LOINC measure
 * must carry the UCUM unit its code takes.
 */
import { createHash } from 'node:crypto';
import type { Bundle, BundleEntry, Condition, DocumentReference, Observation, Patient, Quantity, Resource } from '@medplum/fhirtypes';
import { TISSUE_TYPES, type Assessment } from '../../common/assessments';
import { r4Problems } from '../shared/fhir-validate';
import { ETIOLOGY_LABELS, siteOf, type ReportData } from './report-data';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const SNOMED = 'http://snomed.info/sct';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
/** Our own systems: the clinic's MRNs, the etiology list. */
const OWN = 'urn:coherency:';

export const KNOWN_SYSTEMS = [LOINC, UCUM, SNOMED, OBSERVATION_CATEGORY, CONDITION_CLINICAL, CONDITION_CATEGORY];

/** LOINC codes this export writes, with their display and the UCUM units each may carry (null: no quantity). */
export const MEASURES = {
  '72287-6': { display: 'Wound size panel', units: null },
  '39126-8': { display: 'Length of Wound', units: ['cm', 'mm'] },
  '39125-0': { display: 'Width of Wound', units: ['cm', 'mm'] },
  '39127-6': { display: 'Depth of Wound', units: ['cm', 'mm'] },
  '89260-4': { display: 'Area of wound', units: ['cm2', 'mm2'] },
  '94083-3': { display: 'Volume of wound', units: ['cm3', 'mL', 'mm3'] },
  '72293-4': { display: 'Undermining depth of Wound', units: ['cm', 'mm'] },
  '72294-2': { display: 'Undermining location of Wound by clock position', units: null },
  '72296-7': { display: 'Tunneling depth of Wound', units: ['cm', 'mm'] },
  '72297-5': { display: 'Tunneling location of Wound by clock position', units: null },
  '72371-8': { display: 'Tissue appearance of Wound', units: null },
  '72370-0': { display: 'Tissue area of Wound by percent', units: ['%'] },
} as const satisfies Record<string, { display: string; units: readonly string[] | null }>;
type MeasureCode = keyof typeof MEASURES;

export interface ShareOptions {
  /** The patient's name and date of birth go with the MRN (default); false shares the MRN only. */
  includeNameAndBirthDate: boolean;
}

const loinc = (code: MeasureCode) => ({ coding: [{ system: LOINC, code, display: MEASURES[code].display }] });
const qty = (value: number, unit: string): Quantity => ({ value: Math.round(value * 100) / 100, unit, system: UCUM, code: unit });
const iso = (ms: number) => new Date(ms).toISOString();
const urn = (key: string) => `urn:uuid:${uuidFrom(key)}`;
/** Stable ids within a bundle (the same export gives the same bundle). */
function uuidFrom(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildWoundBundle(data: ReportData, options: ShareOptions, pdf: { bytes: Uint8Array; title: string } | null): Bundle {
  const entries: BundleEntry[] = [];
  const add = (fullUrl: string, resource: Resource) => entries.push({ fullUrl, resource });
  const patientUrl = urn(`${data.clinic.id}/patient/${data.patient.mrn}`);
  const conditionUrl = urn(`${data.clinic.id}/wound/${data.wound.id}`);
  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [{ use: 'usual', type: { text: 'MRN' }, system: `${OWN}clinic:${data.clinic.id}:mrn`, value: data.patient.mrn }],
    ...(options.includeNameAndBirthDate
      ? { name: [{ family: data.patient.familyName, given: [data.patient.givenName] }], ...(data.patient.dateOfBirth ? { birthDate: data.patient.dateOfBirth } : {}) }
      : {}),
  };
  add(patientUrl, patient);
  const w = data.wound;
  const condition: Condition = {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: w.status === 'healed' ? 'resolved' : w.status === 'closed' ? 'inactive' : 'active' }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item' }] }],
    code: { coding: [{ system: `${OWN}wound-etiology`, code: w.etiology, display: ETIOLOGY_LABELS[w.etiology] }], text: ETIOLOGY_LABELS[w.etiology] },
    bodySite: [{ text: siteOf(w) }],
    subject: { reference: patientUrl },
    ...(w.onsetDate ? { onsetDateTime: w.onsetDate } : {}),
  };
  add(conditionUrl, condition);

  for (const a of data.assessments) {
    const base = (code: MeasureCode, key: string): Observation & { fullUrl: string } => ({
      fullUrl: urn(`${data.clinic.id}/assessment/${a.id}/${key}`),
      resourceType: 'Observation',
      status: a.signedOffAt !== null ? 'final' : 'preliminary',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'exam' }] }],
      code: loinc(code),
      subject: { reference: patientUrl },
      focus: [{ reference: conditionUrl }],
      effectiveDateTime: iso(a.measuredAt),
      ...(a.measuredBy ? { performer: [{ display: a.measuredBy.displayName }] } : {}),
    });
    const f = a.figures;
    const members = [
      { ...base('39126-8', 'length'), valueQuantity: qty(f.length_cm, 'cm') },
      { ...base('39125-0', 'width'), valueQuantity: qty(f.width_cm, 'cm') },
      { ...base('39127-6', 'depth'), valueQuantity: qty(f.max_depth_mm, 'mm') },
      { ...base('89260-4', 'area'), valueQuantity: qty(f.area_cm2, 'cm2') },
      { ...base('94083-3', 'volume'), valueQuantity: qty(f.volume_cm3, 'cm3') },
    ];
    for (const m of data.annotations.filter((x) => x.scanId === a.scanId)) {
      const d = m.draft;
      if (d.kind !== 'undermining' && d.kind !== 'tunnelling') continue;
      const [depth, clock] = d.kind === 'undermining' ? (['72293-4', '72294-2'] as const) : (['72296-7', '72297-5'] as const);
      members.push({ ...base(depth, `annotation/${m.id}`), valueQuantity: qty(d.depthMm, 'mm'), component: [{ code: loinc(clock), valueInteger: d.clock }] } as (typeof members)[number]);
    }
    const mix = f.tissue_confirmed_pct ?? f.tissue_pct;
    if (mix) {
      for (const t of TISSUE_TYPES) {
        members.push({ ...base('72371-8', `tissue/${t}`), valueCodeableConcept: { text: t }, component: [{ code: loinc('72370-0'), valueQuantity: qty(mix[t], '%') }] } as unknown as (typeof members)[number]);
      }
    }
    const panel = { ...base('72287-6', 'panel'), hasMember: members.map((m) => ({ reference: m.fullUrl })) };
    for (const { fullUrl, ...resource } of [panel, ...members]) add(fullUrl, resource as Observation);
  }

  if (pdf) {
    const doc: DocumentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: data.assessments.every((a) => a.signedOffAt !== null) ? 'final' : 'preliminary',
      type: { text: 'Wound report (PDF, digitally signed by the clinic)' },
      subject: { reference: patientUrl },
      date: iso(data.generatedAt),
      description: pdf.title,
      content: [{ attachment: { contentType: 'application/pdf', data: Buffer.from(pdf.bytes).toString('base64'), size: pdf.bytes.length, hash: createHash('sha1').update(pdf.bytes).digest('base64'), title: pdf.title, creation: iso(data.generatedAt) } }],
      context: { related: [{ reference: conditionUrl }] },
    };
    add(urn(`${data.clinic.id}/report/${data.wound.id}/${data.generatedAt}`), doc);
  }
  return { resourceType: 'Bundle', type: 'collection', timestamp: iso(data.generatedAt), entry: entries };
}

/** Terminology the R4 definitions do not check: known code systems, and each LOINC measure in its UCUM units. */
export function terminologyProblems(bundle: Bundle): string[] {
  const problems: string[] = [];
  const known = (system: string | undefined) => system !== undefined && (KNOWN_SYSTEMS.includes(system) || system.startsWith(OWN));
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}[${i}]`));
    if (!value || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    if (Array.isArray(o['coding'])) {
      (o['coding'] as { system?: string; code?: string }[]).forEach((c, i) => {
        if (!known(c.system)) problems.push(`${path}.coding[${i}].system is not a code system this export knows`);
        if (c.system === LOINC && !(c.code && c.code in MEASURES)) problems.push(`${path}.coding[${i}].code is not a LOINC code of the wound export`);
      });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'coding') visit(v, path ? `${path}.${k}` : k);
  };
  (bundle.entry ?? []).forEach((e, i) => {
    visit(e.resource, `Bundle.entry[${i}].resource`);
    const r = e.resource;
    if (r?.resourceType !== 'Observation') return;
    const checkValue = (code: { coding?: { system?: string; code?: string }[] } | undefined, q: Quantity | undefined, where: string) => {
      const c = code?.coding?.find((x) => x.system === LOINC)?.code as MeasureCode | undefined;
      if (!c || !(c in MEASURES)) return;
      const units = MEASURES[c].units as readonly string[] | null;
      if (units === null) return;
      if (!q) return void problems.push(`${where} (LOINC ${c}) has no valueQuantity`);
      if (q.system !== UCUM) problems.push(`${where}.valueQuantity.system must be UCUM (${UCUM})`);
      if (!q.code || !units.includes(q.code)) problems.push(`${where}.valueQuantity.code must be one of ${units.join(', ')} for LOINC ${c}`);
    };
    const where = `Bundle.entry[${i}].resource`;
    checkValue(r.code, r.valueQuantity, where);
    (r.component ?? []).forEach((comp, j) => checkValue(comp.code, comp.valueQuantity, `${where}.component[${j}]`));
  });
  return problems;
}

/** Every problem of a bundle: the R4 definitions (the bundle and each resource) and the terminology. */
export function bundleProblems(bundle: Bundle): string[] {
  const problems = r4Problems(bundle);
  (bundle.entry ?? []).forEach((e, i) => {
    if (e.resource) problems.push(...r4Problems(e.resource).map((p) => `Bundle.entry[${i}]: ${p}`));
  });
  return [...problems, ...terminologyProblems(bundle)];
}

export interface BundleSummary {
  type: string;
  resources: Record<string, number>;
  /** Observations by LOINC code display. */
  measures: Record<string, number>;
  assessments: number;
  documents: { contentType: string; bytes: number; title: string }[];
}

/** What a bundle contains, in counts and kinds (no patient values): what `coherency fhir-import --check` prints. */
export function summariseBundle(bundle: Bundle): BundleSummary {
  const resources: Record<string, number> = {};
  const measures: Record<string, number> = {};
  const documents: BundleSummary['documents'] = [];
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (!r) continue;
    resources[r.resourceType] = (resources[r.resourceType] ?? 0) + 1;
    if (r.resourceType === 'Observation') {
      const c = r.code?.coding?.find((x) => x.system === LOINC)?.code;
      const label = c && c in MEASURES ? `${MEASURES[c as MeasureCode].display} (${c})` : 'other';
      measures[label] = (measures[label] ?? 0) + 1;
    }
    if (r.resourceType === 'DocumentReference') for (const c of r.content ?? []) documents.push({ contentType: c.attachment.contentType ?? 'unknown', bytes: c.attachment.size ?? 0, title: c.attachment.title ?? '' });
  }
  return { type: bundle.type ?? 'unknown', resources, measures, assessments: measures[`${MEASURES['72287-6'].display} (72287-6)`] ?? 0, documents };
}

export type { Assessment };
