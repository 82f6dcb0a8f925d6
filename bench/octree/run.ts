/**
 * Octree writer benchmark: generated skin-like scans (a limb-like surface with a shallow wound
 * depression, coloured, in millimetres) of 1, 5 and 20 million points, each converted to a
 * Potree 2.0 octree on disk. Prints points/s and the process's peak memory (RSS high-water mark,
 * worker threads included: they live in this process) next to PotreeConverter 2.1's figures on
 * this machine class. Where POTREE_CONVERTER names a PotreeConverter 2.x binary, the same cloud is
 * also written as LAS 1.2 (point format 2) and converted by it in the same run, and the ratio
 * printed.
 *
 *   npx tsx bench/octree/run.ts [--sizes 1,5,20] [--runs 3] [--workers N] [--keep]
 *
 * Each size is built `--runs` times (PotreeConverter, when given, alternating with ours); the
 * medians of wall time, CPU time (all threads of this process) and peak RSS are printed with the
 * load average, since other jobs on a shared machine inflate wall time but hardly CPU time.
 *
 * The worker pool is started once (its start-up, which under tsx includes compiling the worker's
 * TypeScript, is printed separately) and reused for every size, as the app's import queue does.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PointCloud } from '../../common/point-cloud';
import { buildOctree, createOctreeWorkerPool, defaultWorkerCount } from '../../main/scans/octree';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const SIZES = (flag('sizes') ?? '1,5,20').split(',').map((s) => Number(s) * 1_000_000);
const WORKERS = flag('workers') !== undefined ? Number(flag('workers')) : defaultWorkerCount();
const KEEP = args.includes('--keep');
const RUNS = Math.max(1, Number(flag('runs') ?? 3));

/** PotreeConverter 2.1 on this machine class (from the issue): seconds and peak MB. */
const REFERENCE: Record<number, { seconds: number; peakMb: number }> = {
  1_000_000: { seconds: 0.73, peakMb: 292 },
  5_000_000: { seconds: 1.9, peakMb: 425 },
  20_000_000: { seconds: 8.3, peakMb: 654 },
};

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A forearm-like surface: 300 mm long, radius tapering 45 → 32 mm with a gentle bulge, scanned
 * over 300° of its circumference; a 40 × 25 mm wound 4 mm deep; skin-coloured with a red/yellow
 * wound bed; points jittered by ~0.5 mm along the surface and ±0.25 mm across it (LiDAR noise).
 */
function skinScan(count: number, seed = 1): PointCloud {
  const random = prng(seed);
  // In shared memory, as `toMillimetres` hands every imported scan to the octree writer.
  const positions = new Float64Array(new SharedArrayBuffer(3 * count * Float64Array.BYTES_PER_ELEMENT));
  const colors = new Uint8Array(3 * count);
  const arc = (300 / 360) * 2 * Math.PI;
  for (let i = 0; i < count; i++) {
    const along = random() * 300 + (random() - 0.5) * 0.5;
    const angle = -arc / 2 + random() * arc;
    const baseRadius = 45 - (13 * along) / 300 + 3 * Math.sin((along / 300) * Math.PI);
    // Wound centred at 150 mm along, angle 0: an elliptical depression with a smooth rim.
    const du = (along - 150) / 20;
    const dv = (angle * baseRadius) / 12.5;
    const r2 = du * du + dv * dv;
    const depth = r2 < 1 ? 4 * (1 - r2) ** 2 : 0;
    const radius = baseRadius - depth + (random() - 0.5) * 0.5;
    positions[3 * i] = radius * Math.cos(angle);
    positions[3 * i + 1] = along;
    positions[3 * i + 2] = radius * Math.sin(angle);
    const shade = 0.85 + 0.15 * random();
    if (r2 < 1) {
      const slough = r2 < 0.3 && random() < 0.5;
      colors[3 * i] = Math.round((slough ? 210 : 170) * shade);
      colors[3 * i + 1] = Math.round((slough ? 180 : 40) * shade);
      colors[3 * i + 2] = Math.round((slough ? 90 : 45) * shade);
    } else {
      colors[3 * i] = Math.round(224 * shade);
      colors[3 * i + 1] = Math.round(172 * shade);
      colors[3 * i + 2] = Math.round(140 * shade);
    }
  }
  return { format: 'ply', version: '1.0', count, positions, colors, extras: [], units: 'mm', comments: ['bench skin scan'] };
}

/** The process's resident-set high-water mark in MB, reset first when `reset` (Linux clear_refs 5). */
function vmHwmMb(pid: number | 'self' = 'self'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** LAS 1.2, point data format 2 (xyz int32, intensity, flags, class, angle, user, source, rgb16). */
async function writeLas(cloud: PointCloud, path: string): Promise<void> {
  const n = cloud.count;
  const scale = 0.001;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) {
    const v = cloud.positions[3 * i + a]!;
    if (v < min[a]!) min[a] = v;
    if (v > max[a]!) max[a] = v;
  }
  // The header's box must hold the QUANTISED points (PotreeConverter refuses a point outside it).
  for (let a = 0; a < 3; a++) max[a] = min[a]! + Math.round((max[a]! - min[a]!) / scale) * scale;
  const header = Buffer.alloc(227);
  header.write('LASF', 0, 'ascii');
  header.writeUInt8(1, 24);
  header.writeUInt8(2, 25);
  header.write('coherency bench', 26 + 32, 'ascii');
  header.writeUInt16LE(227, 94);
  header.writeUInt32LE(227, 96);
  header.writeUInt32LE(0, 100);
  header.writeUInt8(2, 104);
  header.writeUInt16LE(26, 105);
  header.writeUInt32LE(n, 107);
  header.writeUInt32LE(n, 111);
  for (let a = 0; a < 3; a++) {
    header.writeDoubleLE(scale, 131 + 8 * a);
    header.writeDoubleLE(min[a]!, 155 + 8 * a);
  }
  header.writeDoubleLE(max[0]!, 179);
  header.writeDoubleLE(min[0]!, 187);
  header.writeDoubleLE(max[1]!, 195);
  header.writeDoubleLE(min[1]!, 203);
  header.writeDoubleLE(max[2]!, 211);
  header.writeDoubleLE(min[2]!, 219);
  const out = createWriteStream(path);
  const write = (b: Buffer): Promise<void> => new Promise((resolve, reject) => out.write(b, (e) => (e ? reject(e) : resolve())));
  await write(header);
  const batch = 1 << 16;
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const buf = Buffer.alloc((e - s) * 26);
    for (let i = s; i < e; i++) {
      const o = (i - s) * 26;
      for (let a = 0; a < 3; a++) buf.writeInt32LE(Math.round((cloud.positions[3 * i + a]! - min[a]!) / scale), o + 4 * a);
      buf.writeUInt8(0x09, o + 14); // return 1 of 1
      for (let c = 0; c < 3; c++) buf.writeUInt16LE(cloud.colors![3 * i + c]! * 257, o + 20 + 2 * c);
    }
    await write(buf);
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/**
 * Runs PotreeConverter; `seconds` is its own "duration:" (processing, as the reference
 * figures are: start of reading to the report), `processSeconds` the whole process. Its duration
 * includes joining its progress monitor, a thread that sleeps in 1 s steps (Monitor.h), so it is up
 * to 1 s longer than the work; the line printed gives the ratio both ways.
 */
async function runPotreeConverter(binary: string, las: string, outDir: string): Promise<{ seconds: number; processSeconds: number; peakMb: number }> {
  const start = performance.now();
  const child = spawn(binary, [las, '-o', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let peak = 0;
  const timer = setInterval(() => {
    if (child.pid) peak = Math.max(peak, vmHwmMb(child.pid) || 0);
  }, 10);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const processSeconds = (performance.now() - start) / 1000;
  if (code !== 0) throw new Error(`PotreeConverter exited with ${code}: ${(stderr || stdout).slice(-500)}`);
  const reported = /^duration:\s*([\d.']+)s/m.exec(stdout);
  if (!reported) throw new Error(`PotreeConverter printed no "duration:" line: ${stdout.slice(-300)}`);
  return { seconds: Number(reported[1]!.replace(/'/g, '')), processSeconds, peakMb: peak };
}

const mb = (bytes: number): number => bytes / (1 << 20);

async function main(): Promise<void> {
  const converter = process.env.POTREE_CONVERTER;
  if (converter && !existsSync(converter)) throw new Error(`POTREE_CONVERTER=${converter} does not exist`);
  const work = await mkdtemp(join(tmpdir(), 'octree-bench-'));
  console.log(`octree bench: ${availableParallelism()} cores, ${WORKERS} workers, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (a shared machine inflates times)`);

  const pool = createOctreeWorkerPool(Math.max(1, WORKERS));
  const warmStart = performance.now();
  await buildOctree(skinScan(300_000, 99), { pool, inProcessBelow: 0, outDir: join(work, 'warm-up') });
  console.log(`worker pool start-up + first small build: ${((performance.now() - warmStart) / 1000).toFixed(2)} s (not counted below)`);

  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const median = (values: number[]): number => [...values].sort((x, y) => x - y)[values.length >> 1]!;
  const goals: string[] = [];
  const measuredGoals: string[] = [];
  try {
    for (const size of SIZES) {
      const cloud = skinScan(size);
      const cloudMb = mb(cloud.positions.byteLength + (cloud.colors?.byteLength ?? 0));
      const ref = REFERENCE[size];
      const wall: number[] = [], cpu: number[] = [], peak: number[] = [], theirWall: number[] = [], theirProcess: number[] = [], theirPeak: number[] = [];
      const loadBefore = loadavg()[0]!;
      let last: Awaited<ReturnType<typeof buildOctree>> | null = null;
      let las: string | null = null;
      if (converter) {
        las = join(work, `cloud-${size}.las`);
        await writeLas(cloud, las);
      }
      for (let run = 0; run < RUNS; run++) {
        if (converter && las) {
          const theirs = await runPotreeConverter(converter, las, join(work, `potree-${size}-${run}`));
          theirWall.push(theirs.seconds);
          theirProcess.push(theirs.processSeconds);
          theirPeak.push(theirs.peakMb);
          await rm(join(work, `potree-${size}-${run}`), { recursive: true, force: true });
        }
        const outDir = join(work, `ours-${size}-${run}`);
        gc();
        const reset = resetHwm();
        let sampledPeak = 0;
        const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, mb(process.memoryUsage().rss))), 20);
        const cpuBefore = process.cpuUsage();
        last = await buildOctree(cloud, { outDir, ...(WORKERS === 0 ? { workers: 0 } : { pool }) });
        const used = process.cpuUsage(cpuBefore);
        clearInterval(sampler);
        wall.push(last.stats.ms / 1000);
        cpu.push((used.user + used.system) / 1e6);
        peak.push(Math.max(sampledPeak, reset ? vmHwmMb() : 0));
        await rm(outDir, { recursive: true, force: true });
      }
      if (las) await rm(las, { force: true });
      const seconds = median(wall);
      const peakMb = median(peak);
      const list = (values: number[]): string => values.map((v) => v.toFixed(2)).join(' ');
      let line =
        `${(size / 1e6).toString().padStart(3)} M points (load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}): ` +
        `wall ${seconds.toFixed(2)} s median of ${RUNS} [${list(wall)}], ${(size / seconds / 1e6).toFixed(2)} M points/s; ` +
        `CPU ${median(cpu).toFixed(2)} s in all threads [${list(cpu)}]; ` +
        `peak RSS ${peakMb.toFixed(0)} MB (input cloud ${cloudMb.toFixed(0)} MB of it, ${(peakMb - cloudMb).toFixed(0)} MB above it); ` +
        `${last!.stats.nodes} nodes, depth ${last!.stats.depth}, ${(last!.files['octree.bin'] / size).toFixed(0)} bytes/point`;
      if (ref) {
        const ratio = seconds / ref.seconds;
        line += `\n      PotreeConverter 2.1 reference: ${ref.seconds} s, ${(size / ref.seconds / 1e6).toFixed(2)} M points/s, peak ${ref.peakMb} MB → wall ratio ours/theirs ${ratio.toFixed(2)}`;
        goals.push(`${size / 1e6} M: ${ratio <= 1 ? 'met' : 'NOT met'} (${ratio.toFixed(2)})`);
      }
      if (converter) {
        const t = median(theirWall);
        line += `\n      PotreeConverter measured now: processing ${t.toFixed(2)} s median [${list(theirWall)}] (whole process ${median(theirProcess).toFixed(2)} s), peak ${median(theirPeak).toFixed(0)} MB → wall ratio ours/theirs ${(seconds / t).toFixed(2)} (${(seconds / Math.max(0.01, t - 1)).toFixed(2)} if the up-to-1 s join of its monitor thread, timed inside its duration, is taken off), peak ratio ${(peakMb / median(theirPeak)).toFixed(2)}`;
        measuredGoals.push(`${size / 1e6} M: ${seconds <= t ? 'met' : 'NOT met'} (${(seconds / t).toFixed(2)})`);
      }
      console.log(line);
    }
    if (goals.length > 0) console.log(`goal against the issue's PotreeConverter 2.1 reference (wall time no more than its processing time): ${goals.join(', ')}`);
    if (measuredGoals.length > 0) console.log(`goal against PotreeConverter measured in this run: ${measuredGoals.join(', ')}`);
  } finally {
    await pool.dispose();
    if (!KEEP) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
  if (!converter) console.log('(set POTREE_CONVERTER to a PotreeConverter 2.x binary to measure it in the same run)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
