/**
 * A wound's course report, as a doctor downloads it, against the 2 s goal (issue 18):
 *   npx tsx bench/report/run.ts [rounds=7]
 * A wound with 4 assessments (figures, tissue, details, annotations; 3 signed off) in a real
 * encrypted record, and 3 snapshots of the 3D view as the renderer sends them (JPEG, 1280 × 560,
 * quality 0.85). Timed: the full report — gather (audited reads), the review's healing figures,
 * draw (with the trend chart and the 4-week check), embed the snapshots, add
 * the PAdES signature and sign with the clinic key. Peer, in the same run, alternated: the same
 * text-and-chart PDF drawn and saved without snapshots or signature. Prints each median and the ratio.
 * The clinic's signing key is made before timing (once per clinic) and held in memory here: the
 * keychain is read once per clinic open, not per report.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { createAnnotationsService } from '../../main/annotations/index';
import { createAssessmentsRepository, createClinicRecord, createPatientsRepository, createScansRepository, createStaffRepository, createWoundBaselinesRepository, createWoundsRepository, SYSTEM_ACTOR } from '../../main/records/index';
import { createReportsService, renderReport } from '../../main/reports/index';
import { createCompareRunner, createReviewService } from '../../main/review/index';
import { silentLogger } from '../../main/shared/logger';
import type { KeyStore } from '../../main/vault/index';

const ROUNDS = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function snapshot(seed: number): string {
  const width = 1280;
  const height = 560;
  const data = Buffer.alloc(width * height * 4);
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = 4 * (y * width + x);
    const inside = Math.hypot((x - 640) / 380, (y - 280) / 200) < 1;
    const skin = inside ? [200 + 40 * rand(), 60 + 50 * rand(), 60 + 30 * rand()] : [210 + 30 * rand(), 160 + 30 * rand(), 140 + 30 * rand()];
    data.set([...skin.map(Math.round), 255], i);
  }
  return `data:image/jpeg;base64,${Buffer.from(jpeg.encode({ data, width, height }, 85).data).toString('base64')}`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-report-'));
  try {
    const created = createClinicRecord({ file: join(dir, 'record.db'), key: randomBytes(32), clinicId: randomUUID(), clinicName: 'Bench Clinic', logger: silentLogger });
    if (!created.ok) throw created.error;
    const record = created.record;
    const staff = createStaffRepository(record);
    const nurse = { id: staff.create({ username: 'n', displayName: 'Nora Nurse', passwordHash: 'x', roles: ['nurse'] }, SYSTEM_ACTOR).id, roles: ['nurse' as const] };
    const doctor = { id: staff.create({ username: 'd', displayName: 'Dr Dana Okafor', passwordHash: 'x', roles: ['doctor'] }, SYSTEM_ACTOR).id, roles: ['doctor' as const] };
    const patients = createPatientsRepository(record);
    const wounds = createWoundsRepository(record);
    const patient = patients.create({ mrn: 'MRN-1', givenName: 'Ada', familyName: 'Lovelace', dateOfBirth: '1960-05-04', sex: 'female' }, nurse);
    const woundId = wounds.create({ patientId: patient.id, bodySite: 'left heel', etiology: 'diabetic_foot_ulcer', onsetDate: '2025-10-01' }, nurse).id;
    const scans = createScansRepository(record);
    const assessments = createAssessmentsRepository(record);
    const annotations = createAnnotationsService({ record, points: async () => ({ count: 0, positions: [] }), logger: silentLogger });
    for (let k = 0; k < 4; k++) {
      const scanId = randomUUID();
      scans.insert({ id: scanId, woundId, capturedAt: Date.UTC(2025, 10, 1 + 7 * k), format: 'ply', pointCount: 1e6, bbox: { min: [0, 0, 0], max: [1, 1, 1] }, attributes: ['position'], sourceApp: null, sourceDeviceId: null, sha256: 'a'.repeat(64), rawFileId: 'o.ply', octreeFileId: 'metadata.json' }, nurse);
      const area = 6 - k;
      const a = assessments.create(
        {
          scanId,
          method: 'edited',
          modelVersion: 'wound-seg-unet 1.1.0',
          outline: Array.from({ length: 40 }, (_, i) => [10 * Math.cos(i / 6), 8 * Math.sin(i / 6), 0]),
          figures: { area_cm2: area, projected_area_cm2: area, perimeter_cm: 9, length_cm: 3, width_cm: 2, max_depth_mm: 5, mean_depth_mm: 2.5, volume_cm3: 1.1, raised_volume_cm3: 0, tissue_pct: { granulation: 60, slough: 30, eschar: 5, epithelium: 5 }, tissue_confirmed_pct: null, tissue_unavailable_reason: null, head_to_toe_length_cm: 2.8, width_across_cm: 2.1 },
          details: { exudateAmount: 'moderate', exudateType: 'serous', odour: 'none', painScore: 3, periwound: ['macerated'], infectionSigns: [], dressing: 'foam', note: 'Edges advancing.' },
        },
        nurse,
      );
      if (k < 3) assessments.signOff(a.id, doctor, 'Reviewed');
      await annotations.create({ requestId: randomUUID(), scanId, draft: { kind: 'undermining', at: [10, 0, 0], clock: 3, depthMm: 12 - k } }, nurse);
      await annotations.create({ requestId: randomUUID(), scanId, draft: { kind: 'marker', point: [0, 0, 0], note: 'Sinus' } }, nurse);
    }
    const keys = new Map<string, Buffer>();
    const keyStore: KeyStore = { get: async (a) => keys.get(a) ?? null, set: async (a, k) => void keys.set(a, Buffer.from(k)), delete: async (a) => keys.delete(a) };
    // The review's healing figures for the trend chart (its compare worker is never started here).
    const compare = createCompareRunner();
    const review = createReviewService({ wounds, scans, assessments, baselines: createWoundBaselinesRepository(record), loadCloud: () => Promise.reject(new Error('the report reads no points')), compare, audit: () => undefined, logger: silentLogger });
    const reports = createReportsService({ clinic: { id: 'bench', name: 'Bench Clinic' }, record, keyStore, patients, wounds, assessments, annotations, review, logger: silentLogger });
    const snapshots = [1, 2, 3].map((k) => ({ caption: `View ${k}`, dataUrl: snapshot(k) }));
    console.log(`snapshots: 3 × ${Math.round((snapshots[0]!.dataUrl.length * 3) / 4 / 1024)} KiB JPEG`);
    await reports.coursePdf({ woundId, snapshots }, doctor); // warm-up: the clinic's key and certificate are made here

    const full: number[] = [];
    const peer: number[] = [];
    let bytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      bytes = (await reports.coursePdf({ woundId, snapshots }, doctor)).bytes.length;
      full.push(performance.now() - t);
      t = performance.now();
      const list = assessments.listByWound(woundId, doctor).sort((a, b) => a.measuredAt - b.measuredAt);
      const wound = wounds.get(woundId, doctor)!;
      const doc = await renderReport({ clinic: { id: 'bench', name: 'Bench Clinic' }, patient, wound, scope: 'course', assessments: list, annotations: [], snapshots: [], trends: review.trendsOf(wound, list), generatedAt: Date.now() });
      await doc.save();
      peer.push(performance.now() - t);
    }
    const m = median(full);
    const p = median(peer);
    console.log(`course report, 4 assessments, 3 snapshots, signed: median ${m.toFixed(0)} ms (${(bytes / 1024).toFixed(0)} KiB) over ${ROUNDS} rounds`);
    console.log(`peer, the same text-and-chart PDF unsigned, no snapshots: median ${p.toFixed(0)} ms`);
    console.log(`ratio full / peer: ${(m / p).toFixed(2)}×; goal < 2000 ms: ${m < 2000 ? 'met' : 'NOT met'} (${(m / 2000).toFixed(2)} of the budget)`);
    review.dispose();
    await compare.dispose();
    record.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
