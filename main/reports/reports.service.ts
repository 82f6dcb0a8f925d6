/**
 * Reports of a visit or of a wound's whole course (issue 18), made in the main process so both
 * transports get the same file: a PDF signed with the clinic's report-signing key (PAdES,
 * ETSI.CAdES.detached) naming the signing doctor, and the FHIR R4 bundle of the wound's course
 * holding that PDF. Every report and export is audited; voided assessments are never included.
 */
import { eq } from 'drizzle-orm';
import type { Bundle } from '@medplum/fhirtypes';
import type { Annotation } from '../../common/annotations';
import type { AnnotationsService } from '../annotations/index';
import { actorRole, appendAudit, tables, type Actor, type AssessmentsRepository, type ClinicRecord, type PatientsRepository, type WoundsRepository } from '../records/index';
import type { Logger } from '../shared/logger';
import type { ReviewService } from '../review/index';
import type { KeyStore } from '../vault/index';
import { ReportError } from './errors';
import { buildWoundBundle, bundleProblems, type ShareOptions } from './fhir-bundle';
import { renderReport } from './pdf';
import type { ReportData, Snapshot } from './report-data';
import { createSigningIdentities, signPdf } from './signing';

export const MAX_SNAPSHOTS = 4;
/** Bytes of one snapshot image (the request itself is capped at 8 MiB by the host). */
export const MAX_SNAPSHOT_BYTES = 2 * 1024 * 1024;

export interface SnapshotInput {
  caption: string;
  /** `data:image/png;base64,…` or `data:image/jpeg;base64,…` (canvas.toDataURL). */
  dataUrl: string;
}

export interface ReportFile {
  fileName: string;
  bytes: Uint8Array;
}

export interface ReportsService {
  /** One assessment (a visit), signed by `actor`. */
  visitPdf(input: { assessmentId: string; snapshots: SnapshotInput[] }, actor: Actor): Promise<ReportFile>;
  /** The wound's course (every assessment that is not voided), signed by `actor`. */
  coursePdf(input: { woundId: string; snapshots: SnapshotInput[] }, actor: Actor): Promise<ReportFile>;
  /** The wound's course as a validated FHIR R4 bundle with the signed course PDF in it. */
  fhirBundle(input: { woundId: string } & ShareOptions, actor: Actor): Promise<{ fileName: string; bundle: Bundle }>;
}

export interface ReportsDeps {
  clinic: { id: string; name: string };
  record: ClinicRecord;
  keyStore: KeyStore;
  patients: PatientsRepository;
  wounds: WoundsRepository;
  assessments: AssessmentsRepository;
  annotations: Pick<AnnotationsService, 'listByScan'>;
  /** The course report's trend chart and 4-week check: the review's own figures. */
  review: Pick<ReviewService, 'trendsOf'>;
  logger: Logger;
  now?: () => number;
}

const PNG = [0x89, 0x50, 0x4e, 0x47];
const JPEG = [0xff, 0xd8, 0xff];

/** A data URL from the renderer → image bytes, checked: type, size, and that the bytes are that image. */
export function parseSnapshots(input: SnapshotInput[]): Snapshot[] {
  if (input.length > MAX_SNAPSHOTS) throw new ReportError('SNAPSHOT_INVALID', `At most ${MAX_SNAPSHOTS} snapshots go in a report.`);
  return input.map((s, i) => {
    const m = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/=]+)$/.exec(s.dataUrl);
    if (!m) throw new ReportError('SNAPSHOT_INVALID', `Snapshot ${i + 1} is not a PNG or JPEG image.`);
    const image = Buffer.from(m[2]!, 'base64');
    if (image.length > MAX_SNAPSHOT_BYTES) throw new ReportError('SNAPSHOT_INVALID', `Snapshot ${i + 1} is larger than ${MAX_SNAPSHOT_BYTES / 1024 / 1024} MB.`);
    const type = m[1] as 'png' | 'jpeg';
    const magic = type === 'png' ? PNG : JPEG;
    if (!magic.every((b, k) => image[k] === b)) throw new ReportError('SNAPSHOT_INVALID', `Snapshot ${i + 1} is not the ${type.toUpperCase()} image it says it is.`);
    return { caption: s.caption.slice(0, 200), image: new Uint8Array(image), type };
  });
}

export function createReportsService(deps: ReportsDeps): ReportsService {
  const now = deps.now ?? Date.now;
  const signing = createSigningIdentities({ clinicId: deps.clinic.id, clinicName: deps.clinic.name, record: deps.record, keyStore: deps.keyStore });
  const audit = (actor: Actor, action: string, entity: string, entityId: string) => void appendAudit(deps.record, { actorId: actor.id, actorRole: actorRole(actor), action, entity, entityId });
  const nameOf = (actor: Actor) => deps.record.db.select({ name: tables.staff.displayName }).from(tables.staff).where(eq(tables.staff.id, actor.id)).get()?.name ?? 'unknown';

  function gather(woundId: string, only: string | null, snapshots: Snapshot[], actor: Actor): ReportData {
    const wound = deps.wounds.get(woundId, actor);
    if (!wound) throw new ReportError('NOT_FOUND', 'No such wound in this clinic.');
    const patient = deps.patients.get(wound.patientId, actor);
    if (!patient) throw new ReportError('NOT_FOUND', 'No such patient in this clinic.');
    const all = deps.assessments.listByWound(woundId, actor);
    const assessments = all
      .filter((a) => a.voided === null && (only === null || a.id === only))
      .sort((a, b) => a.measuredAt - b.measuredAt);
    if (assessments.length === 0) throw new ReportError('NOTHING_TO_REPORT', only ? 'A voided assessment is not reported.' : 'This wound has no assessments to report.');
    const annotations: Annotation[] = [];
    for (const scanId of new Set(assessments.map((a) => a.scanId).filter((x): x is string => x !== null))) annotations.push(...deps.annotations.listByScan(scanId, actor));
    return { clinic: deps.clinic, patient, wound, scope: only ? 'visit' : 'course', assessments, annotations, snapshots, trends: only ? null : deps.review.trendsOf(wound, all), generatedAt: now() };
  }

  async function signed(data: ReportData, actor: Actor): Promise<Uint8Array> {
    const started = performance.now();
    const doc = await renderReport(data);
    const identity = await signing.identity();
    const name = nameOf(actor);
    const bytes = await signPdf(doc, identity, { name, reason: `Wound ${data.scope === 'visit' ? 'assessment' : 'course'} report issued by ${name}`, location: deps.clinic.name });
    deps.logger.info('report signed', { scope: data.scope, assessments: data.assessments.length, snapshots: data.snapshots.length, bytes: bytes.length, ms: Math.round(performance.now() - started) });
    return bytes;
  }

  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  return {
    async visitPdf(input, actor) {
      const snapshots = parseSnapshots(input.snapshots);
      const assessment = deps.assessments.get(input.assessmentId, actor);
      if (!assessment) throw new ReportError('NOT_FOUND', 'No such assessment in this clinic.');
      const data = gather(assessment.woundId, assessment.id, snapshots, actor);
      const bytes = await signed(data, actor);
      audit(actor, 'report.visit_pdf', 'assessment', assessment.id);
      return { fileName: `wound-assessment-${stamp(assessment.measuredAt)}.pdf`, bytes };
    },

    async coursePdf(input, actor) {
      const data = gather(input.woundId, null, parseSnapshots(input.snapshots), actor);
      const bytes = await signed(data, actor);
      audit(actor, 'report.course_pdf', 'wound', input.woundId);
      return { fileName: `wound-course-${stamp(data.generatedAt)}.pdf`, bytes };
    },

    async fhirBundle(input, actor) {
      const data = gather(input.woundId, null, [], actor);
      const pdf = await signed(data, actor);
      const bundle = buildWoundBundle(data, { includeNameAndBirthDate: input.includeNameAndBirthDate }, { bytes: pdf, title: `Wound course report ${stamp(data.generatedAt)}` });
      const problems = bundleProblems(bundle);
      if (problems.length) {
        deps.logger.error('FHIR export does not validate', { problems: problems.length });
        throw new ReportError('FHIR_INVALID', `The FHIR bundle does not validate: ${problems.slice(0, 5).join('; ')}`);
      }
      audit(actor, 'report.fhir_export', 'wound', input.woundId);
      return { fileName: `wound-course-${stamp(data.generatedAt)}.fhir.json`, bundle };
    },
  };
}
