/**
 * Reader memory benchmark (issue 4: "peak no more than about 1.5× the final arrays"): reads a
 * generated binary PLY (float xyz, uchar rgb) and a LAS 1.2 point format 3 file of `--points`
 * points, each in a fresh child process, and prints the resident-set growth while reading
 * (VmHWM after reading minus VmRSS just before, the file's bytes already loaded) against the
 * bytes of the arrays the reader returns.
 *
 *   npx tsx bench/readers/memory.ts [--points 5000000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { readPointCloud } from '../../main/scans';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const LIMIT = 1.5;

function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function makePly(points: number): Uint8Array {
  const header = new TextEncoder().encode(`ply\nformat binary_little_endian 1.0\nelement vertex ${points}\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n`);
  const out = new Uint8Array(header.length + points * 15);
  out.set(header);
  const dv = new DataView(out.buffer);
  for (let i = 0, p = header.length; i < points; i++, p += 15) {
    dv.setFloat32(p, (i % 1000) * 1e-4, true);
    dv.setFloat32(p + 4, Math.floor(i / 1000) * 1e-4, true);
    dv.setFloat32(p + 8, Math.sin(i) * 1e-3, true);
    out[p + 12] = i & 255;
    out[p + 13] = 60;
    out[p + 14] = 50;
  }
  return out;
}

function makeLas(points: number): Uint8Array {
  const headerSize = 227;
  const recordLength = 34;
  const out = new Uint8Array(headerSize + points * recordLength);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode('LASF'));
  out[24] = 1;
  out[25] = 2;
  dv.setUint16(94, headerSize, true);
  dv.setUint32(96, headerSize, true);
  out[104] = 3;
  dv.setUint16(105, recordLength, true);
  dv.setUint32(107, points, true);
  dv.setUint32(111, points, true);
  for (let k = 0; k < 3; k++) dv.setFloat64(131 + 8 * k, 0.001, true);
  dv.setFloat64(179, 200, true);
  dv.setFloat64(195, 200, true);
  dv.setFloat64(211, 50, true);
  for (let i = 0, p = headerSize; i < points; i++, p += recordLength) {
    dv.setInt32(p, i % 200000, true);
    dv.setInt32(p + 4, (i * 7) % 200000, true);
    dv.setInt32(p + 8, (i * 13) % 50000, true);
    dv.setUint16(p + 12, i & 0xffff, true);
    out[p + 14] = 0x09;
    out[p + 15] = 2;
    dv.setUint16(p + 28, 256 * (i % 256), true);
  }
  return out;
}

async function child(path: string, name: string): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const bytes: Uint8Array = readFileSync(path); // no copy: a freed copy would be reused by the reader and hide its growth
  gc();
  writeFileSync('/proc/self/clear_refs', '5');
  const before = status('VmRSS');
  const cloud = await readPointCloud(bytes, { fileName: name });
  const peak = status('VmHWM');
  const arrays = [cloud.positions, cloud.colors, cloud.normals, cloud.intensity, cloud.classification, ...cloud.extras.map((e) => e.values)];
  const final = arrays.reduce((sum, a) => sum + (a?.byteLength ?? 0), 0);
  process.stdout.write(JSON.stringify({ points: cloud.count, growth: peak - before, final }));
}

async function main(): Promise<void> {
  if (args[0] === '--child') return child(args[1]!, args[2]!);
  const points = Number(flag('points') ?? 5_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'reader-memory-'));
  const self = fileURLToPath(import.meta.url);
  let failed = false;
  try {
    for (const [name, make] of [['scan.ply', makePly], ['scan.las', makeLas]] as const) {
      const path = join(dir, name);
      writeFileSync(path, make(points));
      const run = spawnSync(process.execPath, [...process.execArgv, self, '--child', path, name], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (run.status !== 0) throw new Error(`${name}: child failed: ${run.stderr.slice(-500)}`);
      const r = JSON.parse(run.stdout) as { points: number; growth: number; final: number };
      const ratio = r.growth / r.final;
      if (ratio > LIMIT) failed = true;
      const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
      console.log(`${name} ${(r.points / 1e6).toFixed(1)} M points: memory growth while reading ${mb(r.growth)} MB, final arrays ${mb(r.final)} MB → ${ratio.toFixed(2)}× (requirement ≤ ${LIMIT}×: ${ratio <= LIMIT ? 'met' : 'NOT met'})`);
      rmSync(path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
