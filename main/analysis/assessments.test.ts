/**
 * Assessments through the tRPC caller, end to end on the real services: a generated wound scan
 * (analytic truth) is imported like any upload, measured live in the measure worker, saved (the
 * server re-measures), listed and signed off; the scan's octree is rebuilt as a new generation with
 * wound_label and depth_mm filled, served to the viewer, and the old generation is gone. Real
 * record, real keychain (scripts/with-keyring.sh), real workers; no mocks.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePly, makeCavityPhantom } from './measure/phantoms';
import { assertKeyringWhenRequired, skipKeyring } from '../vault/test-keyring';
import { apiSuite } from '../app/test-api';

const PASSWORD = 'correct horse battery staple';

describe.skipIf(skipKeyring)('assessments (real record, keychain, workers)', () => {
  assertKeyringWhenRequired();
  const { dataDir, keyStore, logger, services, caller } = apiSuite('cw-assess-');
  const anon = caller('anon');
  const admin = caller('admin');
  const nurse = caller('nurse');
  const doctor = caller('doctor');
  const ph = makeCavityPhantom({ surface: 'plane', a: 14, b: 9, c: 4, spacing: 0.8, noise: 0.1, colored: true, seed: 11 });
  const outline = Array.from({ length: ph.outline.length / 3 }, (_, i) => [ph.outline[3 * i]!, ph.outline[3 * i + 1]!, ph.outline[3 * i + 2]!] as [number, number, number]);
  let clinicId = '';
  let woundId = '';
  let scanId = '';
  /** The scan was captured a month before it is measured: the assessment carries this date. */
  const capturedAt = Date.now() - 30 * 86_400_000;

  beforeAll(async () => {
    clinicId = (await anon.clinic.enrol({ name: 'Assessment Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: [] })).id;
    await admin.auth.login({ clinicId, username: 'admin', password: PASSWORD });
    await admin.staff.create({ username: 'nurse', displayName: 'Nora Nurse', password: PASSWORD, roles: ['nurse'] });
    await admin.staff.create({ username: 'doctor', displayName: 'Dan Doctor', password: PASSWORD, roles: ['doctor'] });
    await nurse.auth.login({ clinicId, username: 'nurse', password: PASSWORD });
    await doctor.auth.login({ clinicId, username: 'doctor', password: PASSWORD });
    const patient = await nurse.patients.create({ mrn: 'MRN-A-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1950-12-10', sex: 'female' });
    woundId = (await nurse.wounds.create({ patientId: patient.id, bodySite: 'Left heel', etiology: 'pressure_injury' })).id;
    // The tablet apps write metres: the import converts to mm, and so must the analysis.
    const bytes = Buffer.from(encodePly(ph.cloud, 0.001));
    const { uploadId } = await nurse.scans.beginUpload({ fileName: 'phantom.ply', size: bytes.length });
    await nurse.scans.uploadChunk({ uploadId, offset: 0, data: bytes.toString('base64') });
    const job = await nurse.scans.import({ uploadId, woundId, capturedAt });
    const clinic = await services.workstation.clinic(clinicId);
    const done = await clinic.imports.wait(job.id);
    expect(done.phase).toBe('done');
    scanId = done.scanId!;
  }, 180_000);

  afterAll(async () => {
    await services.dispose();
    await keyStore.delete(clinicId).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('measures an outline live: figures match the analytic truth; lid and depth overlay for the viewer', async () => {
    const r = await nurse.assessments.measure({ scanId, outline });
    const t = ph.truth;
    expect(Math.abs(r.figures.area_cm2 / t.area_cm2 - 1)).toBeLessThan(0.05);
    expect(Math.abs(r.figures.volume_cm3 / t.volume_cm3 - 1)).toBeLessThan(0.1);
    expect(Math.abs(r.figures.max_depth_mm - t.max_depth_mm)).toBeLessThan(0.6);
    expect(r.figures.tissue_pct).not.toBeNull();
    expect(r.lid.indices.length).toBeGreaterThan(3);
    expect(r.depth.depthMm.length).toBeGreaterThan(50);
    expect(r.depth.positions.length).toBe(3 * r.depth.depthMm.length);
    expect(r.depth.max).toBeGreaterThan(2);
    // The second call reuses the cached cloud (no second "scan loaded").
    await nurse.assessments.measure({ scanId, outline: outline.slice(0, -1) });
    expect(logger.lines.filter((e) => e.message === 'scan loaded for analysis')).toHaveLength(1);
  });

  it('a bad outline is BAD_REQUEST naming the problem, with the measure code as appCode', async () => {
    const n = outline.length;
    const crossed = [outline[0]!, outline[Math.floor(n / 2)]!, outline[Math.floor(n / 4)]!, outline[Math.floor((3 * n) / 4)]!];
    const error = await nurse.assessments.measure({ scanId, outline: crossed }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toMatch(/cross/i);
    expect(((error as TRPCError).cause as { code?: string }).code).toBe('OUTLINE_SELF_INTERSECTS');
    const nowhere = await nurse.assessments.measure({ scanId: '0190aaaa-0000-7000-8000-00000000dead', outline }).catch((e: unknown) => e);
    expect((nowhere as TRPCError).code).toBe('NOT_FOUND');
  });

  it('saves (re-measured on the server, by the nurse), rebuilds the octree with depth and label, lists, signs off', async () => {
    const scanDir = join(dataDir, 'clinics', clinicId, 'scans', scanId);
    expect(readdirSync(scanDir).sort()).toEqual(['hierarchy.bin.enc', 'metadata.json.enc', 'octree.bin.enc', 'original.ply.enc']);
    const measured = await nurse.assessments.measure({ scanId, outline });
    const saved = await nurse.assessments.save({ requestId: randomUUID(), scanId, outline, method: 'edited', modelVersion: 'wound-seg-unet 1.0.0' });
    expect(saved.octreeUpdated).toBe(true);
    expect(saved.replayed).toBe(false);
    expect(saved.assessment).toMatchObject({ woundId, scanId, method: 'edited', modelVersion: 'wound-seg-unet 1.0.0', measuredBy: { displayName: 'Nora Nurse' }, signedOffBy: null });
    // Dated by the scan's capture, a month ago; saved now.
    expect(saved.assessment.measuredAt).toBe(capturedAt);
    expect(saved.assessment.savedAt).toBeGreaterThan(capturedAt + 29 * 86_400_000);
    expect(saved.assessment.scan).toEqual({ id: scanId, capturedAt, format: 'ply' });
    expect(saved.assessment.figures.area_cm2).toBeCloseTo(measured.figures.area_cm2, 5);
    expect(saved.assessment.outline).toEqual(outline);

    // The new generation replaced the old one; the original is untouched.
    expect(readdirSync(scanDir).sort()).toEqual(['original.ply.enc', 'r1.hierarchy.bin.enc', 'r1.metadata.json.enc', 'r1.octree.bin.enc']);
    const scan = await nurse.scans.get({ id: scanId });
    expect(scan.attributes).toEqual(expect.arrayContaining(['wound_label', 'depth_mm']));
    const { url } = await nurse.scans.fileUrl({ id: scanId });
    const path = url.slice('/scan-files/'.length);
    const served = await services.scanFiles.serve('nurse', path, null);
    expect(served.status).toBe(200);
    const metadata = JSON.parse(served.body!.toString('utf8')) as { points: number; attributes: { name: string; min: number[]; max: number[] }[] };
    expect(metadata.points).toBe(ph.cloud.count);
    const depth = metadata.attributes.find((a) => a.name === 'depth_mm')!;
    const label = metadata.attributes.find((a) => a.name === 'wound_label')!;
    expect(depth.max[0]).toBeGreaterThan(2);
    expect(label.max[0]).toBe(1);
    expect((await services.scanFiles.serve('nurse', path.replace('metadata.json', 'octree.bin'), 'bytes=0-99')).status).toBe(206);

    // Saving again writes generation 2 and removes generation 1.
    const again = await nurse.assessments.save({ requestId: randomUUID(), scanId, outline, method: 'manual' });
    expect(again.octreeUpdated).toBe(true);
    expect(readdirSync(scanDir).sort()).toEqual(['original.ply.enc', 'r2.hierarchy.bin.enc', 'r2.metadata.json.enc', 'r2.octree.bin.enc']);

    const list = await doctor.assessments.listByWound({ woundId });
    expect(list.map((a) => a.id)).toEqual([again.assessment.id, saved.assessment.id]);
    expect(await doctor.assessments.get({ id: saved.assessment.id })).toEqual(saved.assessment);

    const refused = await nurse.assessments.signOff({ id: saved.assessment.id }).catch((e: unknown) => e);
    expect((refused as TRPCError).code).toBe('FORBIDDEN');
    const signed = await doctor.assessments.signOff({ id: saved.assessment.id });
    expect(signed.signedOffBy).toMatchObject({ displayName: 'Dan Doctor' });
    expect(((await doctor.assessments.signOff({ id: saved.assessment.id }).catch((e: unknown) => e)) as TRPCError).code).toBe('CONFLICT');

    // Automatic outlines must name the model; a scan with assessments is kept.
    expect(((await nurse.assessments.save({ requestId: randomUUID(), scanId, outline, method: 'automatic' }).catch((e: unknown) => e)) as TRPCError).code).toBe('BAD_REQUEST');
    expect(((await nurse.scans.delete({ id: scanId }).catch((e: unknown) => e)) as TRPCError).code).toBe('CONFLICT');
    expect((await nurse.assessments.listByWound({ woundId })).length).toBe(2);

    // Nothing clinical in the logs.
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toMatch(/Lovelace|MRN-A-1|1950-12-10/);
  }, 120_000);

  it('a double-clicked save (the same request id, in parallel and again later) stores one assessment; a replayed id elsewhere is refused', async () => {
    const before = (await nurse.assessments.listByWound({ woundId })).length;
    const requestId = randomUUID();
    const input = { requestId, scanId, outline, method: 'manual' as const };
    const [a, b] = await Promise.all([nurse.assessments.save(input), nurse.assessments.save(input)]);
    expect(a.assessment.id).toBe(b.assessment.id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    const later = await nurse.assessments.save(input);
    expect(later).toMatchObject({ replayed: true, assessment: { id: a.assessment.id } });
    expect((await nurse.assessments.listByWound({ woundId })).length).toBe(before + 1);
    // The same id from another person is not theirs to replay; a malformed id is refused by the schema.
    const other = await doctor.assessments.save(input).catch((e: unknown) => e);
    expect((other as TRPCError).code).toBe('CONFLICT');
    expect(((other as TRPCError).cause as { code?: string }).code).toBe('REQUEST_ID_REUSED');
    expect(((await nurse.assessments.save({ ...input, requestId: 'not-a-uuid' }).catch((e: unknown) => e)) as TRPCError).code).toBe('BAD_REQUEST');
    expect((await nurse.assessments.listByWound({ woundId })).length).toBe(before + 1);
  }, 120_000);

  it('a nurse voids a wrong assessment with a reason; it stays listed as voided, cannot be signed off, and roles without clinical.write are refused', async () => {
    const { assessment } = await nurse.assessments.save({ requestId: randomUUID(), scanId, outline, method: 'manual' });
    const noReason = await nurse.assessments.void({ id: assessment.id, reason: ' ' }).catch((e: unknown) => e);
    expect((noReason as TRPCError).code).toBe('BAD_REQUEST');
    const voided = await nurse.assessments.void({ id: assessment.id, reason: 'Saved on the wrong wound' });
    expect(voided.voided).toMatchObject({ reason: 'Saved on the wrong wound', by: { displayName: 'Nora Nurse' } });
    const listed = (await doctor.assessments.listByWound({ woundId })).find((x) => x.id === assessment.id);
    expect(listed?.voided?.reason).toBe('Saved on the wrong wound');
    expect(((await doctor.assessments.signOff({ id: assessment.id }).catch((e: unknown) => e)) as TRPCError).code).toBe('CONFLICT');
    expect(((await nurse.assessments.void({ id: assessment.id, reason: 'again' }).catch((e: unknown) => e)) as TRPCError).code).toBe('CONFLICT');
    expect(((await admin.assessments.void({ id: assessment.id, reason: 'not mine' }).catch((e: unknown) => e)) as TRPCError).code).toBe('FORBIDDEN');
    expect(((await nurse.assessments.void({ id: '0190aaaa-0000-7000-8000-00000000dead', reason: 'nothing' }).catch((e: unknown) => e)) as TRPCError).code).toBe('NOT_FOUND');
  }, 120_000);

  it('tissue paint changes the confirmed mix and the tissue map, never the automatic mix; both are saved with the charted details', async () => {
    const plain = await nurse.assessments.measure({ scanId, outline });
    expect(plain.figures.tissue_confirmed_pct).toEqual(plain.figures.tissue_pct);
    expect(plain.depth.tissue.length).toBe(plain.depth.depthMm.length);
    expect(new Set(plain.depth.tissue).size).toBeGreaterThan(1); // the phantom's bed has several tissues
    // One stroke over the whole wound: everything the nurse painted is slough.
    const c = outline.reduce<[number, number, number]>((s, v) => [s[0] + v[0] / outline.length, s[1] + v[1] / outline.length, s[2] + v[2] / outline.length], [0, 0, 0]);
    const tissuePaint = [{ tissue: 'slough' as const, centre: c, radiusMm: 40 }];
    const painted = await nurse.assessments.measure({ scanId, outline, tissuePaint });
    expect(painted.figures.tissue_pct).toEqual(plain.figures.tissue_pct);
    expect(painted.figures.tissue_confirmed_pct!.slough).toBeGreaterThan(99.9);
    expect(new Set(painted.depth.tissue)).toEqual(new Set([1]));
    const details = { exudateAmount: 'small' as const, exudateType: 'serous' as const, odour: 'none' as const, painScore: 3, periwound: ['macerated' as const], infectionSigns: [], dressing: 'Alginate', note: 'Tolerated well.' };
    const { assessment } = await nurse.assessments.save({ requestId: randomUUID(), scanId, outline, method: 'manual', tissuePaint, details, bodyAxis: [0, 30, 0] });
    for (const k of ['granulation', 'slough', 'eschar', 'epithelium'] as const) expect(assessment.figures.tissue_pct![k]).toBeCloseTo(plain.figures.tissue_pct![k], 4);
    expect(assessment.figures.tissue_confirmed_pct!.slough).toBeGreaterThan(99.9);
    expect(assessment).toMatchObject({ tissuePaint, details, bodyAxis: [0, 30, 0] });
    expect(assessment.figures.head_to_toe_length_cm).not.toBeNull();
    const bad = await nurse.assessments.save({ requestId: randomUUID(), scanId, outline, method: 'manual', details: { ...details, painScore: 12 } }).catch((e: unknown) => e);
    expect((bad as TRPCError).code).toBe('BAD_REQUEST');
    expect(JSON.stringify((bad as TRPCError).cause)).toMatch(/Pain is a number from 0 to 10/);
  }, 120_000);
});
