/**
 * The doctor's review through the tRPC caller, end to end on the real services: a diabetic foot
 * ulcer scanned four times over six weeks (generated scans with known areas, each in its own
 * coordinates), assessed by the nurse, signed off and amended by the doctor; the review's healing
 * figures, 4-week check and predicted course; two visits compared in the compare worker with
 * progress; roles, other clinics' ids and replayed requests refused. Real record, keychain, workers.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareJob } from '../../common/review';
import { encodePly, makeCavityPhantom, type CavitySpec } from '../analysis/test-phantoms';
import { assertKeyringWhenRequired, skipKeyring } from '../vault/test-keyring';
import { apiSuite } from '../app/test-api';

const PASSWORD = 'correct horse battery staple';
const DAY = 86_400_000;
/** Known healing: the opening shrinks as e^(−kt), k = 0.02/day (−43 % in four weeks: under the DFU's 50 %). */
const K = 0.02;
const DAYS = [0, 14, 28, 42];
const POSES: CavitySpec['pose'][] = [undefined, { rotateDeg: [4, -6, 9], translate: [12, -8, 5] }, { rotateDeg: [-7, 3, -12], translate: [-20, 15, -6] }, { rotateDeg: [2, 8, 5], translate: [6, 22, 10] }];

const code = (e: unknown) => (e instanceof TRPCError ? e.code : String(e));

describe.skipIf(skipKeyring)('review (real record, keychain, workers)', () => {
  assertKeyringWhenRequired();
  const { dataDir, keyStore, logger, services, caller } = apiSuite('cw-review-');
  const anon = caller('anon');
  const admin = caller('admin');
  const nurse = caller('nurse');
  const doctor = caller('doctor');
  const otherDoctor = caller('other-doctor');
  let clinicId = '';
  let patientId = '';
  let woundId = '';
  const scanIds: string[] = [];
  const assessmentIds: string[] = [];
  const trueArea: number[] = [];
  const base = Date.UTC(2025, 2, 3, 9, 30);

  beforeAll(async () => {
    clinicId = (await anon.clinic.enrol({ name: 'Review Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: [] })).id;
    await admin.auth.login({ clinicId, username: 'admin', password: PASSWORD });
    await admin.staff.create({ username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
    await admin.staff.create({ username: 'doctor', displayName: 'Dan Doctor', password: PASSWORD, roles: ['doctor'] });
    await nurse.auth.login({ clinicId, username: 'nurse', password: PASSWORD });
    await doctor.auth.login({ clinicId, username: 'doctor', password: PASSWORD });
    const patient = await nurse.patients.create({ mrn: 'MRN-R-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female' });
    patientId = patient.id;
    woundId = (await nurse.wounds.create({ patientId, bodySite: 'Plantar first metatarsal head', laterality: 'right', etiology: 'diabetic_foot_ulcer' })).id;
    await nurse.wounds.create({ patientId, bodySite: 'Sacrum', etiology: 'pressure_injury', pressureStage: '2' });
    const clinic = await services.workstation.clinic(clinicId);
    for (const [k, day] of DAYS.entries()) {
      const f = Math.sqrt(Math.exp(-K * day));
      const ph = makeCavityPhantom({ surface: 'plane', a: 16 * f, b: 11 * f, c: 5, spacing: 0.7, noise: 0.1, margin: 20, relief: { amplitude: 2, wavelength: 28 }, seed: 40 + k, pose: POSES[k] });
      trueArea.push(ph.truth.area_cm2);
      const bytes = Buffer.from(encodePly(ph.cloud, 0.001));
      const { uploadId } = await nurse.scans.beginUpload({ fileName: `visit-${k}.ply`, size: bytes.length });
      await nurse.scans.uploadChunk({ uploadId, offset: 0, data: bytes.toString('base64') });
      const job = await nurse.scans.import({ uploadId, woundId, capturedAt: base + day * DAY });
      const done = await clinic.imports.wait(job.id);
      expect(done.phase).toBe('done');
      scanIds.push(done.scanId!);
      const outline = Array.from({ length: ph.outline.length / 3 }, (_, i) => [ph.outline[3 * i]!, ph.outline[3 * i + 1]!, ph.outline[3 * i + 2]!] as [number, number, number]);
      const saved = await nurse.assessments.save({ requestId: randomUUID(), scanId: done.scanId!, outline, method: 'manual' });
      assessmentIds.push(saved.assessment.id);
    }
  }, 300_000);

  afterAll(async () => {
    await services.dispose();
    await keyStore.delete(clinicId).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the timeline holds every scan with its assessment on the capture day; the first is the baseline', async () => {
    const review = await doctor.review.wound({ woundId });
    expect(review.timeline.map((e) => e.scan?.id)).toEqual(scanIds);
    expect(review.timeline.map((e) => Math.round((e.at - base) / DAY))).toEqual(DAYS);
    expect(review.timeline.map((e) => e.assessments.map((a) => a.id))).toEqual(assessmentIds.map((id) => [id]));
    expect(review.baseline).toMatchObject({ assessmentId: assessmentIds[0], at: base, picked: null });
    expect(review.visits.map((v) => Math.round(v.day))).toEqual(DAYS);
  });

  it('healing figures: PAR per visit, the 4-week check flagged for a DFU (Sheehan 2003), k recovered, a predicted closure date', async () => {
    const review = await doctor.review.wound({ woundId });
    const expectedPar = DAYS.map((d) => 100 * (1 - Math.exp(-K * d)));
    review.visits.forEach((v, i) => expect(Math.abs(v.parPct! - expectedPar[i]!)).toBeLessThan(3));
    expect(review.par4Weeks).toMatchObject({ status: 'visit', day: 28, assessmentId: assessmentIds[2] });
    const fourWeeks = review.checks.find((c) => c.id === 'dfu-4w-50')!;
    expect(fourWeeks.outcome).toBe('flag');
    expect(fourWeeks.citation).toMatch(/Sheehan/);
    expect(fourWeeks.label).toMatch(/50 % smaller by 4 weeks/);
    expect(review.checks.find((c) => c.id === 'dfu-8w-90')!.outcome).toBe('pending');
    expect(review.course.status).toBe('fitted');
    if (review.course.status !== 'fitted') return;
    expect(Math.abs(review.course.kPerDay - K) / K).toBeLessThan(0.1); // measured areas, not the truth
    const expectedClosure = base + (Math.log(review.course.a0Cm2 / 0.1) / review.course.kPerDay) * DAY;
    expect(Math.abs(review.course.closureAt! - expectedClosure)).toBeLessThan(DAY);
    expect(review.course.closureEarliestAt!).toBeLessThan(review.course.closureAt!);
    expect(review.course.curve.length).toBeGreaterThan(10);
    expect(review.visits.every((v) => v.flag === null)).toBe(true);
    expect(review.visits[1]!.gilmanCmPerWeek).toBeGreaterThan(0);
    expect(review.overall.parPct).toBeGreaterThan(50);
  });

  it('a doctor picks another baseline; the figures start from it; a nurse may not pick one', async () => {
    expect(code(await nurse.review.setBaseline({ woundId, assessmentId: assessmentIds[1]! }).catch((e: unknown) => e))).toBe('FORBIDDEN');
    const picked = await doctor.review.setBaseline({ woundId, assessmentId: assessmentIds[1]! });
    expect(picked.baseline).toMatchObject({ assessmentId: assessmentIds[1], picked: { by: { displayName: 'Dan Doctor' } } });
    expect(picked.visits.map((v) => Math.round(v.day))).toEqual([0, 14, 28]);
    expect(picked.par4Weeks).toMatchObject({ status: 'visit', assessmentId: assessmentIds[3] });
    const back = await doctor.review.setBaseline({ woundId, assessmentId: null });
    expect(back.baseline?.assessmentId).toBe(assessmentIds[0]);
    // Another wound's assessment is not found here.
    const otherWound = (await nurse.wounds.listByPatient({ patientId })).find((w) => w.id !== woundId)!;
    expect(code(await doctor.review.setBaseline({ woundId: otherWound.id, assessmentId: assessmentIds[0]! }).catch((e: unknown) => e))).toBe('NOT_FOUND');
  });

  it('signed-off assessments are amended, not changed: both versions listed, the trend uses the amendment, and the record refuses edits', async () => {
    const id = assessmentIds[2]!;
    expect(code(await doctor.assessments.amend({ id, reason: 'The outline missed the undermined lateral edge', outline: [[0, 0, 0], [10, 0, 0], [10, 8, 0]], method: 'manual' }).catch((e: unknown) => e))).toBe('PRECONDITION_FAILED');
    await doctor.assessments.signOff({ id });
    const before = await doctor.assessments.get({ id });
    // A wider outline, 125 % of the size about the old one's centre (the first missed an undermined edge).
    const c = before.outline.reduce((s, p) => [s[0] + p[0] / before.outline.length, s[1] + p[1] / before.outline.length, s[2] + p[2] / before.outline.length], [0, 0, 0]);
    const wider = before.outline.map((p) => [c[0] + 1.25 * (p[0] - c[0]), c[1] + 1.25 * (p[1] - c[1]), c[2] + 1.25 * (p[2] - c[2])] as [number, number, number]);
    expect(code(await nurse.assessments.amend({ id, reason: 'The outline missed the undermined lateral edge', outline: wider, method: 'manual' }).catch((e: unknown) => e))).toBe('FORBIDDEN');
    expect(code(await doctor.assessments.amend({ id, reason: 'no', outline: wider, method: 'manual' }).catch((e: unknown) => e))).toBe('BAD_REQUEST');
    // Two amendments of the same version at once (a double click, a replay): one goes through.
    const results = await Promise.allSettled([
      doctor.assessments.amend({ id, reason: 'The outline missed the undermined lateral edge', outline: wider, method: 'manual' }),
      doctor.assessments.amend({ id, reason: 'The outline missed the undermined lateral edge', outline: wider, method: 'manual' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => code((r as PromiseRejectedResult).reason))).toEqual(['CONFLICT']);
    const amended = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ assessment: { id: string; version: number; figures: { area_cm2: number }; amends: unknown } }>).value.assessment;
    expect(amended.version).toBe(2);
    expect(amended.amends).toEqual({ id, reason: 'The outline missed the undermined lateral edge' });
    expect(amended.figures.area_cm2).toBeGreaterThan(before.figures.area_cm2 * 1.3);
    const old = await doctor.assessments.get({ id });
    expect(old.figures).toEqual(before.figures);
    expect(old.replacedBy?.id).toBe(amended.id);

    const review = await doctor.review.wound({ woundId });
    expect(review.timeline[2]!.assessments.map((a) => [a.version, a.replacedBy?.id ?? null])).toEqual([[2, null], [1, amended.id]]);
    expect(review.visits[2]!.assessmentId).toBe(amended.id);
    expect(review.visits).toHaveLength(4);
    expect(review.visits[2]!.areaCm2).toBeCloseTo(amended.figures.area_cm2, 5);
    expect(review.visits[2]!.parPct).toBeLessThan(30); // 43 % before the correction

    // The record itself refuses to change the signed version.
    const clinic = await services.workstation.clinic(clinicId);
    let refused: unknown = null;
    try {
      clinic.record.db.run(sql`UPDATE assessments SET area_mm2 = 1 WHERE id = ${id}`);
    } catch (error) {
      refused = error;
    }
    expect(String((refused as { cause?: unknown } | null)?.cause)).toMatch(/ASSESSMENT_SIGNED/);
  }, 120_000);

  it('compares two visits in the worker with progress: registered on the skin, the bed measured as filled in', async () => {
    const events: CompareJob[] = [];
    const clinic = await services.workstation.clinic(clinicId);
    const off = clinic.review.onDidChangeJob((j) => events.push(j));
    // Picked later-first: the service orders them by capture time. A replay while it runs is the same job.
    const job = await doctor.review.compare({ earlierScanId: scanIds[3]!, laterScanId: scanIds[0]! });
    const again = await doctor.review.compare({ earlierScanId: scanIds[0]!, laterScanId: scanIds[3]! });
    expect(again.id).toBe(job.id);
    expect(job).toMatchObject({ earlierScanId: scanIds[0], laterScanId: scanIds[3] });
    expect(code(await doctor.review.comparison({ jobId: job.id }).catch((e: unknown) => e))).toBe('PRECONDITION_FAILED');
    for (let i = 0; i < 600 && !events.some((e) => e.id === job.id && e.finishedAt !== null); i++) await new Promise((r) => setTimeout(r, 100));
    off();
    const phases = events.filter((e) => e.id === job.id).map((e) => e.phase);
    expect(phases.at(-1)).toBe('done');
    expect(phases).toEqual(expect.arrayContaining(['loading', 'aligning', 'refining', 'change-map']));
    const progress = events.filter((e) => e.id === job.id).map((e) => e.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const result = await nurse.review.comparison({ jobId: job.id });
    expect(result.warnings).toEqual([]);
    expect(result.rmsMm).toBeLessThan(0.3);
    expect(result.earlierAssessmentId).toBe(assessmentIds[0]);
    // The later wound is smaller: inside it the same cavity (5 mm deep, narrower) — its bed lies within the old one.
    expect(result.change.laterWound!.points).toBeGreaterThan(100);
    expect(result.change.positions.length).toBe(3 * result.change.changeMm.length);
    // Where the old wound healed over (inside the earlier outline, outside the later) the surface rose: filled in.
    expect(result.change.earlierWound!.filledShare).toBeGreaterThan(0.3);
    expect(result.timings.map((t) => t.stage).join(';')).toMatch(/refinement/);
    expect(result.laterToEarlier).toHaveLength(16);
  }, 180_000);

  it('refuses scans of different wounds, unknown and other clinics’ ids, and roles without clinical access', async () => {
    const other = (await nurse.wounds.listByPatient({ patientId })).find((w) => w.id !== woundId)!;
    const bytes = Buffer.from(encodePly(makeCavityPhantom({ surface: 'plane', a: 8, b: 6, c: 3, spacing: 1, noise: 0.1, margin: 12, seed: 3 }).cloud, 0.001));
    const { uploadId } = await nurse.scans.beginUpload({ fileName: 'sacrum.ply', size: bytes.length });
    await nurse.scans.uploadChunk({ uploadId, offset: 0, data: bytes.toString('base64') });
    const clinic = await services.workstation.clinic(clinicId);
    const sacrumScan = (await clinic.imports.wait((await nurse.scans.import({ uploadId, woundId: other.id, capturedAt: base })).id)).scanId!;
    expect(code(await doctor.review.compare({ earlierScanId: scanIds[0]!, laterScanId: sacrumScan }).catch((e: unknown) => e))).toBe('BAD_REQUEST');
    expect(code(await doctor.review.compare({ earlierScanId: scanIds[0]!, laterScanId: scanIds[0]! }).catch((e: unknown) => e))).toBe('BAD_REQUEST');
    expect(code(await doctor.review.compare({ earlierScanId: scanIds[0]!, laterScanId: '0190aaaa-0000-7000-8000-00000000dead' }).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect(code(await doctor.review.comparison({ jobId: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect(code(await doctor.review.wound({ woundId: '0190aaaa-0000-7000-8000-00000000dead' }).catch((e: unknown) => e))).toBe('NOT_FOUND');
    // An IT admin sees no clinical data; another clinic's doctor finds none of these ids.
    expect(code(await admin.review.wound({ woundId }).catch((e: unknown) => e))).toBe('FORBIDDEN');
    const otherClinic = (await admin.clinic.enrolAnother({ name: 'Other Clinic', admin: { username: 'admin2', displayName: 'Admin Two', password: PASSWORD }, twoFactorRoles: [] })).id;
    const admin2 = caller('admin2');
    await admin2.auth.login({ clinicId: otherClinic, username: 'admin2', password: PASSWORD });
    await admin2.staff.create({ username: 'doc2', displayName: 'Doc Two', password: PASSWORD, roles: ['doctor'] });
    await otherDoctor.auth.login({ clinicId: otherClinic, username: 'doc2', password: PASSWORD });
    expect(code(await otherDoctor.review.wound({ woundId }).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect(code(await otherDoctor.review.compare({ earlierScanId: scanIds[0]!, laterScanId: scanIds[1]! }).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect(code(await otherDoctor.assessments.amend({ id: assessmentIds[0]!, reason: 'another clinic', outline: [[0, 0, 0], [1, 0, 0], [1, 1, 0]], method: 'manual' }).catch((e: unknown) => e))).toBe('NOT_FOUND');
    await services.workstation.clinic(otherClinic).then(() => keyStore.delete(otherClinic)).catch(() => undefined);
  }, 120_000);

  it('draws each scan’s timeline picture: seen onto the wound, the outline in cyan, cached', async () => {
    const { png } = await nurse.review.thumbnail({ scanId: scanIds[1]! });
    const image = PNG.sync.read(Buffer.from(png, 'base64'));
    expect([image.width, image.height]).toEqual([200, 150]);
    let cyan = 0;
    let lit = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const [r, g, b] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      if (r === 0 && g === 229 && b === 255) cyan++;
      else if (r + g + b > 150) lit++;
    }
    expect(cyan).toBeGreaterThan(100); // the outline, around the wound
    expect(lit).toBeGreaterThan(0.5 * image.width * image.height); // the skin fills the picture
    expect((await nurse.review.thumbnail({ scanId: scanIds[1]! })).png).toBe(png);
    expect(code(await nurse.review.thumbnail({ scanId: '0190aaaa-0000-7000-8000-00000000dead' }).catch((e: unknown) => e))).toBe('NOT_FOUND');
  }, 60_000);

  it('places the patient’s wounds on the body map, each linking to its wound', async () => {
    const markers = await doctor.review.bodyMap({ patientId });
    expect(markers).toHaveLength(2);
    const foot = markers.find((m) => m.woundId === woundId)!;
    expect(foot.place).toMatchObject({ view: 'back' }); // plantar: the sole, seen from behind
    expect(foot.latestAreaCm2).toBeGreaterThan(0);
    expect(markers.find((m) => m.woundId !== woundId)!.place).toEqual({ view: 'back', x: 0.5, y: 0.47 });
    // Nothing clinical in the logs.
    expect(JSON.stringify(logger.lines)).not.toMatch(/Lovelace|MRN-R-1|1950-12-10|metatarsal|Sacrum/);
  });
});
