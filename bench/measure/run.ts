/**
 * Wound measurement benchmark: `npx tsx bench/measure/run.ts`.
 *
 * Times measureWound on a synthetic scan (plane sampled every 0.5 mm, Gaussian noise 0.2 mm)
 * with a 5 cm² ellipsoidal wound in the middle: 1 M points (median of 5 runs, goal < 0.5 s),
 * then the scaling from 100 k to 4 M points (the scan grows around the same wound). Only the
 * points near the outline should matter, so the time should stay nearly flat.
 *
 * Wall-clock time is what the goal is about; CPU time (this process) is printed beside it because
 * on a shared machine other processes' load stretches the wall clock but not the CPU time.
 */
import { availableParallelism, loadavg } from 'node:os';
import { measureWound } from '../../main/analysis/measure/index';
import { makeCavityPhantom } from '../../main/analysis/measure/phantoms';

const GOAL_MS = 500;
const SPACING = 0.5;
// π · 14 · 11.4 ≈ 501 mm² ≈ 5 cm².
const A = 14;
const B = 11.4;
const C = 5;

function scanWithPoints(points: number): ReturnType<typeof makeCavityPhantom> {
  // The plane spans 2·(A + margin) on a side; choose the margin for the requested point count.
  const side = Math.sqrt(points) * SPACING;
  return makeCavityPhantom({ surface: 'plane', a: A, b: B, c: C, spacing: SPACING, noise: 0.2, margin: side / 2 - A, colored: true, seed: 11 });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function time(ph: ReturnType<typeof makeCavityPhantom>, runs: number): { ms: number; cpu: number; all: number[]; area: number } {
  const all: number[] = [];
  const cpus: number[] = [];
  let area = 0;
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = measureWound(ph.cloud, ph.outline);
    all.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    area = m.area_cm2;
  }
  return { ms: median(all), cpu: median(cpus), all, area };
}

const main = scanWithPoints(1_000_000);
time(main, 2); // warm up the JIT
const r = time(main, 5);
console.log(`measure: ${main.cloud.count.toLocaleString('en')} points, 5 cm² wound (area measured ${r.area.toFixed(2)} cm²)`);
console.log(`  median of 5: ${r.ms.toFixed(0)} ms wall, ${r.cpu.toFixed(0)} ms CPU  (runs: ${r.all.map((x) => x.toFixed(0)).join(', ')} ms)  goal < ${GOAL_MS} ms: ${r.ms < GOAL_MS ? 'met' : 'NOT met'}`);
console.log(`  machine load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
console.log('scaling (median of 3):');
for (const n of [100_000, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000]) {
  const ph = scanWithPoints(n);
  const s = time(ph, 3);
  console.log(`  ${ph.cloud.count.toLocaleString('en').padStart(10)} points  ${s.ms.toFixed(0).padStart(5)} ms wall  ${s.cpu.toFixed(0).padStart(5)} ms CPU`);
}
