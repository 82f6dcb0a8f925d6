/**
 * bench/inference: per-image latency of the wound segmentation model with onnxruntime-node, in
 * the inference worker the app uses, with the execution provider it picked.
 *
 *   npx tsx bench/inference/run.ts [--runs 30] [--model native-models/wound-seg/model.json]
 *                                  [--providers cuda,webgpu,cpu] [--threads N] [--json]
 *
 * Prints the median (and p10/p90) of N runs, after 3 warm-up runs, for:
 *  - an image already at the model's input size (forward pass alone, and the whole request),
 *  - a 512 × 512 FUSeg-sized photo (letterbox/resize in, resize back, threshold),
 *  - a 4032 × 3024 phone photo (where resizing dominates).
 * and per scan, for a generated 1-million-point coloured scan (a leg-sized cylinder textured with
 * a FUSeg photo), `findWoundInScan` as the app runs it (render and lift in the wound-find worker,
 * inference in the segmenter's): median of `--scan-runs` (5) after one warm-up, split into render /
 * inference / lift, with the wound points found. The peer is the model's own whole request at its
 * input size in the same run: per-scan time ÷ per-image time says what the 3D steps add.
 * When the manifest has a `postprocess` block (test-time flips, clean-up), the same scan is also
 * timed with a copy of the model without it (one forward pass, as before version 1.2), in the same
 * run, and the ratio printed: issue #20 keeps it under 1.5×.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createSegmenter, decodeImage, parseProviderList, type Segmenter } from '../../main/analysis/segmentation';
import { findWoundInScan } from '../../main/analysis/wound-finder/index';
import { makeTexturedCylinder, skinTexture } from '../../main/analysis/wound-finder/phantom';

const root = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(flag('runs')) || 30;
const manifestPath = flag('model') ?? join(root, 'native-models', 'wound-seg', 'model.json');
const providers = flag('providers') ? parseProviderList(flag('providers')!) : undefined;
const threads = flag('threads') ? Number(flag('threads')) : undefined;
const json = argv.includes('--json');
const scanRuns = Number(flag('scan-runs')) || 5;
const scanPoints = Number(flag('scan-points')) || 1_000_000;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** A real FUSeg photo when the shared data is there, a smooth synthetic one otherwise. */
function photo(width: number, height: number): Uint8Array {
  const sample = join(root, '..', 'shared', 'datasets', 'fuseg', 'train', 'images', '0011.png');
  const src = existsSync(sample) ? decodeImage(readFileSync(sample)) : undefined;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (src) {
        const i = ((Math.floor((y * src.height) / height) * src.width + Math.floor((x * src.width) / width)) * 4);
        out.set(src.data.subarray(i, i + 4), o);
      } else {
        out.set([(x * 7) & 255, (y * 5) & 255, ((x + y) * 3) & 255, 255], o);
      }
    }
  }
  return out;
}

async function measure(seg: Segmenter, width: number, height: number, n: number) {
  const pixels = photo(width, height);
  for (let i = 0; i < 3; i++) await seg.segmentImage(pixels, width, height);
  const total: number[] = [];
  const inference: number[] = [];
  const roundTrip: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await seg.segmentImage(pixels, width, height);
    roundTrip.push(performance.now() - t0);
    total.push(r.ms);
    inference.push(r.inferenceMs);
  }
  const stats = (xs: number[]) => ({ median: +quantile(xs, 0.5).toFixed(2), p10: +quantile(xs, 0.1).toFixed(2), p90: +quantile(xs, 0.9).toFixed(2) });
  return { width, height, runs: n, inferenceMs: stats(inference), workerMs: stats(total), roundTripMs: stats(roundTrip) };
}

/** A leg-sized limb (radius 80 mm) textured with a FUSeg photo at 0.5 mm per pixel, `points` points. */
function bigScan(points: number) {
  const dir = join(root, '..', 'shared', 'datasets', 'fuseg', 'train');
  const have = existsSync(join(dir, 'images', '0658.png'));
  const photo = have ? decodeImage(readFileSync(join(dir, 'images', '0658.png'))) : skinTexture(384, 512);
  const mask = have ? decodeImage(readFileSync(join(dir, 'labels', '0658.png'))) : undefined;
  const mmPerPixel = 0.5;
  // Content of the FUSeg photo: 384 × 512 pixels (the rest is zero padding).
  const spacing = Math.sqrt((384 * 512 * mmPerPixel * mmPerPixel) / points);
  return makeTexturedCylinder({ photo, ...(mask ? { mask } : {}), mmPerPixel, radius: 80, spacing, noise: 0.2, seed: 9 });
}

async function measureScan(seg: Segmenter, points: number, n: number) {
  const scan = bigScan(points);
  const painted = scan.painted.reduce((a, b) => a + b, 0);
  const one = () => findWoundInScan(scan.cloud, seg);
  const warm = await one();
  const runsOut: (typeof warm)[] = [];
  for (let i = 0; i < n; i++) runsOut.push(await one());
  const med = (f: (r: typeof warm) => number) => +quantile(runsOut.map(f), 0.5).toFixed(1);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < scan.cloud.count; i++) {
    if (warm.labels[i] && scan.painted[i]) inter++;
    if (warm.labels[i] || scan.painted[i]) union++;
  }
  return {
    points: scan.cloud.count,
    runs: n,
    provider: warm.provider,
    woundPoints: warm.woundPointCount,
    paintedPoints: painted,
    iou: painted ? +(inter / union).toFixed(3) : null,
    image: `${warm.diagnostics?.imageWidth}×${warm.diagnostics?.imageHeight}`,
    medianMs: { render: med((r) => r.timings.renderMs), inference: med((r) => r.timings.inferenceMs), lift: med((r) => r.timings.liftMs), total: med((r) => r.timings.totalMs) },
  };
}

const t0 = performance.now();
const seg = await createSegmenter({ manifestPath, ...(providers ? { providers } : {}), ...(threads ? { threads } : {}) });
const startupMs = performance.now() - t0;
try {
  const { inputWidth: w, inputHeight: h } = seg.model;
  const results = [
    { case: `model input ${w}×${h}`, ...(await measure(seg, w, h, runs)) },
    { case: 'FUSeg photo 512×512', ...(await measure(seg, 512, 512, runs)) },
    { case: 'phone photo 4032×3024', ...(await measure(seg, 4032, 3024, Math.max(3, Math.ceil(runs / 6)))) },
  ];
  const scan = await measureScan(seg, scanPoints, scanRuns);
  const perImage = results[0]!.workerMs.median;
  let singlePass: Awaited<ReturnType<typeof measureScan>> | undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  if (manifest['postprocess']) {
    const dir = mkdtempSync(join(os.tmpdir(), 'cw-bench-plain-'));
    try {
      delete manifest['postprocess'];
      copyFileSync(join(dirname(manifestPath), manifest['file'] as string), join(dir, manifest['file'] as string));
      writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest));
      const plain = await createSegmenter({ manifestPath: join(dir, 'model.json'), ...(providers ? { providers } : {}), ...(threads ? { threads } : {}) });
      try {
        singlePass = await measureScan(plain, scanPoints, scanRuns);
      } finally {
        await plain.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const report = {
    model: `${seg.model.name} ${seg.model.version}`,
    provider: seg.provider,
    attempts: seg.attempts.map((a) => ({ provider: a.provider, ok: a.ok, ms: +a.ms.toFixed(1) })),
    startupMs: +startupMs.toFixed(0),
    cpu: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`,
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
    threads: threads ?? 'onnxruntime default',
    results,
    scan: { ...scan, perImageMs: perImage, ratioScanToImage: +(scan.medianMs.total / perImage).toFixed(1) },
    ...(singlePass ? { singlePass, ratioToSinglePass: +(scan.medianMs.total / singlePass.medianMs.total).toFixed(2) } : {}),
  };
  if (json) console.log(JSON.stringify(report));
  else {
    console.log(`${report.model} on ${report.provider} (tried ${report.attempts.map((a) => `${a.provider}${a.ok ? '' : ' ✗'}`).join(' → ')}); worker ready in ${report.startupMs} ms`);
    console.log(`cpu ${report.cpu}, load ${report.loadAverage.join(' ')}, threads ${report.threads}`);
    for (const r of results) {
      console.log(
        `${r.case.padEnd(24)} median inference ${r.inferenceMs.median} ms, whole request ${r.workerMs.median} ms (p10 ${r.workerMs.p10}, p90 ${r.workerMs.p90}), round trip ${r.roundTripMs.median} ms, n=${r.runs}`,
      );
    }
    const sc = report.scan;
    console.log(
      `scan ${sc.points.toLocaleString('en')} points on ${sc.provider}: median total ${sc.medianMs.total} ms = render ${sc.medianMs.render} + inference ${sc.medianMs.inference} + lift ${sc.medianMs.lift} ms (+ worker start and copies), image ${sc.image}, n=${sc.runs}`,
    );
    console.log(`  wound ${sc.woundPoints} points (painted ${sc.paintedPoints}, IoU ${sc.iou}); per scan ÷ per image at the model's input size = ${sc.ratioScanToImage}×`);
    if (report.singlePass) {
      const sp = report.singlePass;
      console.log(
        `same scan, one forward pass without the postprocess block: median total ${sp.medianMs.total} ms (inference ${sp.medianMs.inference} ms), wound ${sp.woundPoints} points (IoU ${sp.iou}); with ÷ without = ${report.ratioToSinglePass}×`,
      );
    }
  }
} finally {
  await seg.dispose();
}
