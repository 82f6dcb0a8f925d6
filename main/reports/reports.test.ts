/**
 * Reports on a real encrypted record with the signing key in a real Secret Service
 * (scripts/with-keyring.sh): poppler's pdftotext reads the text, pdfsig checks the PAdES signature
 * by the clinic's certificate — valid, then broken after one byte is changed; the FHIR bundle
 * validates against the R4 definitions and planted errors do not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import type { AssessmentFigures } from '../../common/assessments';
import { createAnnotationsService } from '../annotations/index';
import { createDb, type TestDb } from '../records/test-helpers';
import { createAssessmentsRepository, createPatientsRepository, createScansRepository, createStaffRepository, createWoundBaselinesRepository, createWoundsRepository, listAudit, SYSTEM_ACTOR, type Actor } from '../records/index';
import { createCompareRunner, createReviewService, type CompareRunner, type ReviewService } from '../review/index';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { bundleProblems, createReportsService, SIGNING_SETTINGS_KEY, signingAccount, summariseBundle, type ReportsService } from './index';

const figures = (area: number): AssessmentFigures => ({
  area_cm2: area,
  projected_area_cm2: area - 0.1,
  perimeter_cm: 7.5,
  length_cm: 2.75,
  width_cm: 1.9,
  max_depth_mm: 6.2,
  mean_depth_mm: 3.1,
  volume_cm3: 1.32,
  raised_volume_cm3: 0.04,
  tissue_pct: { granulation: 60, slough: 30, eschar: 5, epithelium: 5 },
  tissue_confirmed_pct: { granulation: 70, slough: 20, eschar: 5, epithelium: 5 },
  tissue_unavailable_reason: null,
  head_to_toe_length_cm: null,
  width_across_cm: null,
});

function pngDataUrl(): string {
  const png = new PNG({ width: 800, height: 500 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([200, (i / 4) % 255, 80, 255], i);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

describe.skipIf(skipKeyring)('reports (real record, real keychain, poppler)', () => {
  assertKeyringWhenRequired();
  const keyStore = createKeytarKeyStore({ service: TEST_SERVICE });
  const dir = mkdtempSync(join(tmpdir(), 'cw-reports-'));
  let db: TestDb;
  let reports: ReportsService;
  let nurse: Actor;
  let doctor: Actor;
  let woundId: string;
  let assessmentIds: string[];
  /** A diabetic foot ulcer seen four times, two weeks apart: 8 → 6 → 3.6 → 2 cm² (55 % smaller at day 28). */
  let fourVisitWoundId: string;
  let review: ReviewService;
  let compare: CompareRunner;

  beforeAll(async () => {
    db = createDb({ name: 'Harbour Wound Clinic' });
    const staff = createStaffRepository(db.record);
    nurse = { id: staff.create({ username: 'nora', displayName: 'Nora Nurse', passwordHash: 'scrypt$x', roles: ['nurse'] }, SYSTEM_ACTOR).id, roles: ['nurse'] };
    doctor = { id: staff.create({ username: 'dan', displayName: 'Dr Dana Okafor', passwordHash: 'scrypt$y', roles: ['doctor'] }, SYSTEM_ACTOR).id, roles: ['doctor'] };
    const patient = createPatientsRepository(db.record).create({ mrn: 'MRN-40721', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
    woundId = createWoundsRepository(db.record).create({ patientId: patient.id, bodySite: 'left heel', etiology: 'diabetic_foot_ulcer', onsetDate: '2025-10-01' }, nurse).id;
    const scans = createScansRepository(db.record);
    const assessments = createAssessmentsRepository(db.record);
    const annotations = createAnnotationsService({ record: db.record, points: async () => ({ count: 0, positions: [] }), logger: silentLogger });
    assessmentIds = [];
    for (const [i, area] of [4.25, 3.5].entries()) {
      const scanId = `0190aaaa-0000-7000-8000-00000000c0d${i}`;
      scans.insert({ id: scanId, woundId, capturedAt: Date.UTC(2025, 10, 8 + 7 * i, 9, 30), format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json' }, nurse);
      assessmentIds.push(assessments.create({ scanId, method: 'manual', modelVersion: null, figures: figures(area), outline: [[0, 0, 0], [20, 0, 0], [20, 15, 1]] }, nurse).id);
      await annotations.create({ requestId: randomUUID(), scanId, draft: { kind: 'undermining', at: [20, 0, 0], clock: 3, depthMm: 12 } }, nurse);
      await annotations.create({ requestId: randomUUID(), scanId, draft: { kind: 'marker', point: [1, 2, 3], note: 'Sinus opening at the rim' } }, nurse);
    }
    assessments.signOff(assessmentIds[0]!, doctor, 'Healing as expected');
    fourVisitWoundId = createWoundsRepository(db.record).create({ patientId: patient.id, bodySite: 'right hallux', etiology: 'diabetic_foot_ulcer', onsetDate: '2025-09-20' }, nurse).id;
    for (const [i, area] of [8, 6, 3.6, 2].entries()) {
      const scanId = `0190aaaa-0000-7000-8000-00000000d0d${i}`;
      scans.insert({ id: scanId, woundId: fourVisitWoundId, capturedAt: Date.UTC(2025, 9, 1 + 14 * i, 9, 0), format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'b'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json' }, nurse);
      assessments.create({ scanId, method: 'manual', modelVersion: null, figures: figures(area), outline: [[0, 0, 0], [20, 0, 0], [20, 15, 1]] }, nurse);
    }
    // The review (the course report's healing figures come from it; its compare worker never starts here).
    compare = createCompareRunner();
    review = createReviewService({
      wounds: createWoundsRepository(db.record),
      scans,
      assessments,
      baselines: createWoundBaselinesRepository(db.record),
      loadCloud: () => Promise.reject(new Error('a report reads no points')),
      compare,
      audit: () => undefined,
      logger: silentLogger,
    });
    reports = createReportsService({
      clinic: { id: db.clinicId, name: 'Harbour Wound Clinic' },
      record: db.record,
      keyStore,
      patients: createPatientsRepository(db.record),
      wounds: createWoundsRepository(db.record),
      assessments,
      annotations,
      review,
      logger: silentLogger,
    });
  }, 60_000);

  afterAll(async () => {
    review.dispose();
    await compare.dispose();
    db.dispose();
    await keyStore.delete(signingAccount(db.clinicId)).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const save = (name: string, bytes: Uint8Array) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };
  const pdftotext = (file: string, page?: number) => execFileSync('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', file, '-'], { encoding: 'utf8' });
  const pages = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
  const pdfsig = (file: string) => spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout;

  it('the PDF of an unsigned visit is real text with the figures, the MRN, the annotations, and "not signed off" on every page', async () => {
    const snapshots = [1, 2, 3].map((k) => ({ caption: `View ${k}: outline and depth colours`, dataUrl: pngDataUrl() }));
    const { bytes, fileName } = await reports.visitPdf({ assessmentId: assessmentIds[1]!, snapshots }, doctor);
    expect(fileName).toMatch(/^wound-assessment-2025-11-15\.pdf$/);
    const file = save('visit.pdf', bytes);
    const all = pdftotext(file);
    for (const s of ['MRN-40721', 'Lovelace, Ada', 'left heel', 'Diabetic foot ulcer', '3.50 cm²', '2.75 × 1.90 cm', '6.2 / 3.1 mm', '1.32 cm³', 'granulation 70%', "Undermining 12 mm at 3 o'clock", 'Marker: Sinus opening at the rim', 'Sign-off: not signed off', 'Harbour Wound Clinic', 'View 3: outline and depth colours']) expect(all).toContain(s);
    const n = pages(file);
    expect(n).toBeGreaterThanOrEqual(2); // three snapshots do not fit on one page
    for (let p = 1; p <= n; p++) expect(pdftotext(file, p)).toContain('NOT SIGNED OFF');
  }, 60_000);

  it("a 4-assessment course report has the trend chart drawn as vectors, the 4-week check in words with its citation, and the review's predicted closure", async () => {
    const file = save('course-4.pdf', (await reports.coursePdf({ woundId: fourVisitWoundId, snapshots: [] }, doctor)).bytes);
    const text = pdftotext(file).replace(/[ \t]+/g, ' ');
    // The chart: axis titles and ticks are text; the chart itself is no image.
    for (const s of ['Healing trend', 'Area (cm²)', 'Days since baseline', '4 weeks', '50 % target', 'Line: fitted exponential course']) expect(text).toContain(s);
    expect(execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' }).trim().split('\n').length).toBe(2); // the header lines only
    // The 4-week check: PAR 55.0 % (8 → 3.6 cm² at the day-28 visit) against the 50 % threshold: met.
    expect(text).toContain('Area reduction at 4 weeks: 55.0 % (3.60 cm², measured at the visit on day 28)');
    expect(text).toContain('Diabetic foot ulcer: at least 50 % smaller by 4 weeks: met (55.0 % reduction, threshold 50 %)');
    expect(text).toContain('Decision support, not a diagnosis');
    expect(text).toContain('Sheehan P, Jones P, Caselli A');
    // The 8-week check has no visit after day 56 yet.
    expect(text).toContain('Diabetic foot ulcer: at least 90 % smaller by 8 weeks: pending: no visit after day 56 yet');
    // The predicted closure is the review's, to the day.
    const course = review.woundReview(fourVisitWoundId, doctor).course;
    expect(course.status === 'fitted' && course.closing && course.closureAt !== null).toBe(true);
    if (course.status !== 'fitted' || course.closureAt === null) return;
    expect(text).toContain(`Predicted closure (area below 0.1 cm²): ${new Date(course.closureAt).toISOString().slice(0, 10)}`);
    // A visit report has no trend.
    const visitId = review.woundReview(fourVisitWoundId, doctor).visits[2]!.assessmentId;
    const visit = save('visit-of-4.pdf', (await reports.visitPdf({ assessmentId: visitId, snapshots: [] }, doctor)).bytes);
    expect(pdftotext(visit)).not.toContain('Healing trend');
  }, 60_000);

  it('a course of two visits says why it has no prediction, and the check is pending', async () => {
    const text = pdftotext(save('course-2.pdf', (await reports.coursePdf({ woundId, snapshots: [] }, doctor)).bytes)).replace(/[ \t]+/g, ' ');
    expect(text).toContain('Area reduction at 4 weeks: not yet known (the latest visit is on day 7)');
    expect(text).toContain('pending: no visit after day 28 yet (threshold 50 %)');
    expect(text).toContain('No prediction: 2 visits with an area; the fitted course needs at least 3.');
  }, 60_000);

  it('a signed-off visit says who signed it off, and no page says "not signed off"', async () => {
    const file = save('signed.pdf', (await reports.visitPdf({ assessmentId: assessmentIds[0]!, snapshots: [] }, doctor)).bytes);
    const text = pdftotext(file);
    expect(text).toContain('Signed off by Dr Dana Okafor');
    expect(text).toContain('Healing as expected');
    expect(text).not.toMatch(/not signed off/i);
  }, 60_000);

  it('pdfsig: a valid PAdES signature by the clinic certificate naming the doctor; one changed byte breaks it', async () => {
    const { bytes } = await reports.coursePdf({ woundId, snapshots: [] }, doctor);
    const out = pdfsig(save('course.pdf', bytes));
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Signer Certificate Common Name: Harbour Wound Clinic report signing');
    expect(out).toContain('Signature Type: ETSI.CAdES.detached');
    expect(out).toContain('Total document signed');
    // The signature dictionary names the signing doctor and the clinic (poppler 22 does not print them).
    const latin = Buffer.from(bytes).toString('latin1');
    expect(latin).toMatch(/\/Name \(Dr Dana Okafor\)/);
    expect(latin).toMatch(/\/Reason \(Wound course report issued by Dr Dana Okafor\)/);
    expect(latin).toMatch(/\/Location \(Harbour Wound Clinic\)/);
    // The key is in the keychain; the record holds only the certificate, the same for the next report.
    expect(await keyStore.get(signingAccount(db.clinicId))).not.toBeNull();
    const certificate = () => db.raw.prepare(`SELECT value FROM settings WHERE key = ?`).pluck().get(SIGNING_SETTINGS_KEY) as string;
    const first = certificate();
    expect(first).toContain('BEGIN CERTIFICATE');
    expect(first).not.toContain('PRIVATE KEY');
    expect(pdfsig(save('course2.pdf', (await reports.coursePdf({ woundId, snapshots: [] }, doctor)).bytes))).toContain('Signature is Valid.');
    expect(certificate()).toBe(first);

    const text = Buffer.from(bytes).toString('latin1');
    const at = text.indexOf('Wound course report');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(bytes);
    tampered[at] = tampered[at]! ^ 0x01; // 'W' → 'V' in the document title
    const broken = pdfsig(save('tampered.pdf', tampered));
    expect(broken).not.toContain('Signature is Valid.');
    expect(broken).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  }, 60_000);

  it('the FHIR bundle validates, holds the signed PDF and the LOINC/UCUM measures; planted errors fail', async () => {
    const { bundle } = await reports.fhirBundle({ woundId, includeNameAndBirthDate: false }, doctor);
    expect(bundleProblems(bundle)).toEqual([]);
    const summary = summariseBundle(bundle);
    expect(summary.resources).toMatchObject({ Patient: 1, Condition: 1, DocumentReference: 1 });
    expect(summary.assessments).toBe(2);
    expect(summary.measures).toMatchObject({ 'Length of Wound (39126-8)': 2, 'Width of Wound (39125-0)': 2, 'Depth of Wound (39127-6)': 2, 'Area of wound (89260-4)': 2, 'Volume of wound (94083-3)': 2, 'Undermining depth of Wound (72293-4)': 2, 'Tissue appearance of Wound (72371-8)': 8 });
    const patient = bundle.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource!;
    expect(JSON.stringify(patient)).not.toContain('Lovelace'); // the clinic chose to share the MRN only
    const doc = bundle.entry!.find((e) => e.resource?.resourceType === 'DocumentReference')!.resource as { content: { attachment: { data: string } }[] };
    const pdfFile = save('from-bundle.pdf', Buffer.from(doc.content[0]!.attachment.data, 'base64'));
    expect(pdfsig(pdfFile)).toContain('Signature is Valid.');
    const obs = (b: Bundle, code: string) => b.entry!.find((e) => e.resource?.resourceType === 'Observation' && (e.resource as Observation).code.coding?.[0]?.code === code)!.resource as Observation;
    expect(obs(bundle, '89260-4').valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org', code: 'cm2' });
    expect(obs(bundle, '72293-4')).toMatchObject({ valueQuantity: { value: 12, code: 'mm' }, component: [{ code: { coding: [{ code: '72294-2' }] }, valueInteger: 3 }] });

    const planted = (change: (b: Bundle) => void) => {
      const copy = structuredClone(bundle);
      change(copy);
      return bundleProblems(copy);
    };
    expect(planted((b) => delete (obs(b, '39126-8') as Partial<Observation>).status).join('\n')).toMatch(/status/);
    expect(planted((b) => void (obs(b, '89260-4').valueQuantity!.code = 'kg')).join('\n')).toMatch(/valueQuantity\.code must be one of cm2, mm2 for LOINC 89260-4/);
    expect(planted((b) => void (obs(b, '39125-0').code.coding![0]!.system = 'http://example.org/made-up')).join('\n')).toMatch(/system is not a code system this export knows/);
    expect(planted((b) => void ((obs(b, '39127-6') as unknown as Record<string, unknown>).effectiveDateTime = 'last Tuesday')).length).toBeGreaterThan(0);
  }, 60_000);

  it('nonsense snapshots are refused in words; every report is audited', async () => {
    await expect(reports.visitPdf({ assessmentId: assessmentIds[0]!, snapshots: [{ caption: 'x', dataUrl: 'data:image/png;base64,aGVsbG8=' }] }, doctor)).rejects.toMatchObject({ code: 'SNAPSHOT_INVALID' });
    await expect(reports.visitPdf({ assessmentId: assessmentIds[0]!, snapshots: [{ caption: 'x', dataUrl: 'javascript:alert(1)' }] }, doctor)).rejects.toMatchObject({ code: 'SNAPSHOT_INVALID' });
    const actions = listAudit(db.record, {}).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['report.visit_pdf', 'report.course_pdf', 'report.fhir_export', 'report_signing.create_key']));
  });
});
