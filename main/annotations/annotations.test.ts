/** Annotations on a real encrypted record: measured in main, audited, idempotent per request, undoable. */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Vec3Tuple } from '../../common/assessments';
import { createDb, type TestDb } from '../records/test-helpers';
import { createPatientsRepository, createScansRepository, createStaffRepository, createWoundsRepository, listAudit, SYSTEM_ACTOR, verifyAuditChain, type Actor } from '../records/index';
import { silentLogger } from '../shared/logger';
import { createAnnotationsService, type AnnotationsService } from './annotations.service';
import { polygonArea, surfaceDistance, type SurfacePoints } from './geometry';

/** Half a cylinder of radius 20 mm along y (z = √(R²−x²)), 60 mm long, a point every 0.5 mm (a calf, a heel). */
function halfCylinder(radius = 20): SurfacePoints {
  const xs: number[] = [];
  for (let a = 0; a <= 360; a++) {
    const t = (Math.PI * a) / 360;
    for (let y = -30; y <= 30; y += 0.5) xs.push(-radius * Math.cos(t), y, radius * Math.sin(t));
  }
  return { count: xs.length / 3, positions: Float64Array.from(xs) };
}
function plane(): SurfacePoints {
  const xs: number[] = [];
  for (let x = -30; x <= 30; x += 0.5) for (let y = -10; y <= 10; y += 0.5) xs.push(x, y, 0);
  return { count: xs.length / 3, positions: Float64Array.from(xs) };
}

describe('geometry', () => {
  it('a ruler over a half cylinder measures πR along the surface and 2R straight; on a plane both agree', () => {
    const r = surfaceDistance(halfCylinder(20), [-20, 0, 0], [20, 0, 0]);
    expect(r).toBeGreaterThan(Math.PI * 20 * 0.95);
    expect(r).toBeLessThan(Math.PI * 20 * 1.03);
    expect(surfaceDistance(plane(), [-10, 0, 0], [20, 0, 0])).toBeCloseTo(30, 1);
    expect(surfaceDistance(plane(), [-10, 100, 0], [20, 100, 0])).toBeNull();
  });
  it('across a wound bed 4 mm deep: the path dips into the bed and up again, and a second layer under the skin is not followed', () => {
    // Skin at z = 0 with a trough 28 mm wide and 4 mm deep (half an ellipse), and the slab's underside at z = −10.
    const xs: number[] = [];
    for (let x = -30; x <= 30; x += 0.5) for (let y = -30; y <= 30; y += 0.5) {
      xs.push(x, y, Math.abs(x) < 14 ? -4 * Math.sqrt(1 - (x / 14) ** 2) : 0);
      xs.push(x, y, -10);
    }
    const cloud = { count: xs.length / 3, positions: Float64Array.from(xs) };
    // 6 mm of skin each side and half the perimeter of an ellipse of semi-axes 14 and 4 (Ramanujan): 12 + 30.5.
    const halfEllipse = (Math.PI * (3 * 18 - Math.sqrt((3 * 14 + 4) * (14 + 3 * 4)))) / 2;
    const r = surfaceDistance(cloud, [-20, 0, 0], [20, 0, 0])!;
    expect(r).toBeGreaterThan((12 + halfEllipse) * 0.97);
    expect(r).toBeLessThan((12 + halfEllipse) * 1.03);
  });

  it('over a noisy scan of a cavity (points jittered 0.3 mm, heights 0.1 mm) it measures the dip, not the noise', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const xs: number[] = [];
    for (let x = -30; x <= 30; x += 0.7) for (let y = -25; y <= 25; y += 0.7) {
      const px = x + 0.6 * rand();
      const py = y + 0.6 * rand();
      const rho2 = (px / 14) ** 2 + (py / 9) ** 2;
      xs.push(px, py, (rho2 < 1 ? -4 * Math.sqrt(1 - rho2) : 0) + 0.2 * rand());
    }
    const r = surfaceDistance({ count: xs.length / 3, positions: Float64Array.from(xs) }, [-20, 0, 0], [20, 0, 0])!;
    // 12 mm of skin and half an ellipse of semi-axes 14 and 4 (30.5 mm): 42.5 mm.
    expect(r).toBeGreaterThan(41.5);
    expect(r).toBeLessThan(44);
  });

  it('a region’s area is the enclosed area on its plane, however it is tilted', () => {
    expect(polygonArea([[0, 0, 0], [10, 0, 0], [10, 5, 0], [0, 5, 0]])).toBeCloseTo(50);
    const s = Math.SQRT1_2;
    expect(polygonArea([[0, 0, 0], [10, 0, 0], [10, 5 * s, 5 * s], [0, 5 * s, 5 * s]])).toBeCloseTo(50);
  });
});

describe('annotations service', () => {
  let db: TestDb;
  let service: AnnotationsService;
  let nurse: Actor;
  let doctor: Actor;
  let woundId: string;
  let scanId: string;
  let cloud: SurfacePoints;
  beforeEach(() => {
    db = createDb();
    const staff = createStaffRepository(db.record);
    nurse = { id: staff.create({ username: 'nora', displayName: 'Nora Nurse', passwordHash: 'scrypt$x', roles: ['nurse'] }, SYSTEM_ACTOR).id, roles: ['nurse'] };
    doctor = { id: staff.create({ username: 'dan', displayName: 'Dan Doctor', passwordHash: 'scrypt$y', roles: ['doctor'] }, SYSTEM_ACTOR).id, roles: ['doctor'] };
    const patient = createPatientsRepository(db.record).create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
    woundId = createWoundsRepository(db.record).create({ patientId: patient.id, bodySite: 'heel', etiology: 'diabetic_foot_ulcer' }, nurse).id;
    scanId = '0190aaaa-0000-7000-8000-00000000c0de';
    createScansRepository(db.record).insert(
      { id: scanId, woundId, capturedAt: Date.UTC(2025, 10, 8), format: 'ply', pointCount: 10, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'original.ply', octreeFileId: 'metadata.json' },
      nurse,
    );
    cloud = halfCylinder();
    service = createAnnotationsService({ record: db.record, points: async () => cloud, logger: silentLogger });
  });
  afterEach(() => db.dispose());

  const create = (draft: Parameters<AnnotationsService['create']>[0]['draft'], actor = nurse, requestId = randomUUID()) => service.create({ requestId, scanId, draft }, actor);

  it('stores each kind with who and when, measured here; reading them back gives the same', async () => {
    const marker = await create({ kind: 'marker', point: [1, 2, 3], note: 'Sinus opening' });
    const ruler = await create({ kind: 'ruler', from: [-20, 0, 0], to: [20, 0, 0] });
    const under = await create({ kind: 'undermining', at: [20, 0, 0], clock: 3, depthMm: 12 });
    const tunnel = await create({ kind: 'tunnelling', at: [0, 0, 20], clock: 12, depthMm: 30, note: 'probe' }, doctor);
    const region: Vec3Tuple[] = [[0, 0, 20], [5, 0, 19], [5, 5, 19], [0, 5, 20]];
    const slough = await create({ kind: 'region', points: region, label: 'slough' });
    expect(marker).toMatchObject({ kind: 'marker', woundId, author: { id: nurse.id, displayName: 'Nora Nurse' }, measure: {} });
    expect(ruler.measure.straightMm).toBe(40);
    expect(ruler.measure.surfaceMm).toBeGreaterThan(60);
    expect(under.measure).toEqual({ depthMm: 12, clock: 3 });
    expect(tunnel.author?.displayName).toBe('Dan Doctor');
    expect(slough.measure.areaMm2).toBeCloseTo(polygonArea(region), 1);
    expect(service.listByScan(scanId, doctor).map((a) => a.id)).toEqual([marker.id, ruler.id, under.id, tunnel.id, slough.id]);
    expect(service.listByWound(woundId, doctor)).toHaveLength(5);
    const actions = listAudit(db.record, {}).map((r) => r.action);
    expect(actions.filter((a) => a === 'annotation.create')).toHaveLength(5);
    expect(actions).toContain('annotation.list');
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: true });
  });

  it('one annotation per request id (a double-click, even concurrent); another person or scan with that id is refused', async () => {
    const id = randomUUID();
    const [a, b] = await Promise.all([create({ kind: 'marker', point: [1, 2, 3], note: 'x' }, nurse, id), create({ kind: 'marker', point: [1, 2, 3], note: 'x' }, nurse, id)]);
    expect(a.id).toBe(b.id);
    expect(service.listByScan(scanId, nurse)).toHaveLength(1);
    await expect(create({ kind: 'marker', point: [1, 2, 3], note: 'x' }, doctor, id)).rejects.toMatchObject({ code: 'REQUEST_ID_REUSED' });
  });

  it('delete and undo: a deleted annotation leaves the lists, restore brings it back; both audited', async () => {
    const a = await create({ kind: 'marker', point: [1, 2, 3], note: 'x' });
    service.remove(a.id, nurse);
    expect(service.listByScan(scanId, nurse)).toEqual([]);
    expect(service.restore(a.id, doctor).updatedBy?.id).toBe(doctor.id);
    expect(service.listByScan(scanId, nurse).map((x) => x.id)).toEqual([a.id]);
    const actions = listAudit(db.record, {}).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['annotation.delete', 'annotation.restore']));
  });

  it('an edit re-measures and keeps the kind; a deleted one cannot be edited', async () => {
    const r = await create({ kind: 'ruler', from: [-20, 0, 0], to: [0, 0, 20] });
    const moved = await service.update(r.id, { kind: 'ruler', from: [-20, 0, 0], to: [20, 0, 0], note: 'across' }, doctor);
    expect(moved.measure.straightMm).toBe(40);
    expect(moved.updatedBy?.displayName).toBe('Dan Doctor');
    await expect(service.update(r.id, { kind: 'marker', point: [0, 0, 0], note: 'x' }, nurse)).rejects.toMatchObject({ code: 'KIND_CHANGED' });
    service.remove(r.id, nurse);
    await expect(service.update(r.id, { kind: 'ruler', from: [-20, 0, 0], to: [20, 0, 0] }, nurse)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses nonsense in words and stores nothing: clock 13, depth 0, a note-less marker, a ruler off the scan, an unknown scan', async () => {
    await expect(create({ kind: 'undermining', at: [0, 0, 0], clock: 13, depthMm: 12 })).rejects.toThrow(/1–12/);
    await expect(create({ kind: 'tunnelling', at: [0, 0, 0], clock: 3, depthMm: 0 })).rejects.toThrow(/more than 0 mm/);
    await expect(create({ kind: 'marker', point: [0, 0, 0], note: '  ' })).rejects.toThrow(/note/);
    await expect(create({ kind: 'ruler', from: [0, 500, 0], to: [10, 500, 0] })).rejects.toMatchObject({ code: 'OFF_SURFACE' });
    await expect(service.create({ requestId: randomUUID(), scanId: '0190aaaa-0000-7000-8000-00000000dead', draft: { kind: 'marker', point: [0, 0, 0], note: 'x' } }, nurse)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(service.listByScan(scanId, nurse)).toEqual([]);
  });
});
