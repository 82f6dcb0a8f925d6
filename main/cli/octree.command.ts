import type { PointCloud } from '../../common/point-cloud';
import { readPointCloudFile, toMillimetres } from '../scans';
import { buildOctree, isOctreeError } from '../scans/octree';
import { parseArgs, type CliCommand } from './command';

const USAGE = `usage: coherency octree FILE OUTDIR [--mm] [--spacing S] [--max-points-per-node N] [--workers N] [--json]

Writes the Potree 2.0 octree (metadata.json, hierarchy.bin, octree.bin) of any scan file the app
reads (PLY, LAS/LAZ, E57, XYZ/PTS, OBJ) into OUTDIR, unencrypted, and prints points, nodes and
points per second.

Coordinates stay in the file's own units (metadata.json names them) unless --mm converts them to
millimetres, the unit the app stores; files that state no unit are then taken to be in metres.
Points with a NaN or infinite coordinate are left out (and counted).

  --spacing S               root spacing in the output units (default: cube side / 128)
  --max-points-per-node N   split nodes above N points (default 10000)
  --workers N               worker threads (default: one per core, at most 8; 0: this thread)
  --json                    print the result as one JSON object`;

function positiveNumber(value: string | true | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} needs a non-negative number`);
  return n;
}

/** The cloud without points that have a non-finite coordinate (a copy only when there are some). */
function finitePoints(cloud: PointCloud): { cloud: PointCloud; dropped: number } {
  const n = cloud.count;
  const keep = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const ok = Number.isFinite(cloud.positions[3 * i]!) && Number.isFinite(cloud.positions[3 * i + 1]!) && Number.isFinite(cloud.positions[3 * i + 2]!);
    keep[i] = ok ? 1 : 0;
    kept += keep[i]!;
  }
  if (kept === n) return { cloud, dropped: 0 };
  const pick = <T extends { length: number; [i: number]: number }>(values: T, size: number, make: (length: number) => T): T => {
    const out = make(kept * size);
    let o = 0;
    for (let i = 0; i < n; i++) if (keep[i]) for (let c = 0; c < size; c++) out[o++] = values[size * i + c]!;
    return out;
  };
  return {
    dropped: n - kept,
    cloud: {
      ...cloud,
      count: kept,
      positions: pick(cloud.positions, 3, (l) => new Float64Array(l)),
      ...(cloud.colors ? { colors: pick(cloud.colors, 3, (l) => new Uint8Array(l)) } : {}),
      ...(cloud.normals ? { normals: pick(cloud.normals, 3, (l) => new Float32Array(l)) } : {}),
      ...(cloud.intensity ? { intensity: pick(cloud.intensity, 1, (l) => new Uint16Array(l)) } : {}),
      ...(cloud.classification ? { classification: pick(cloud.classification, 1, (l) => new Uint8Array(l)) } : {}),
      extras: [],
    },
  };
}

export const octreeCommand: CliCommand = {
  name: 'octree',
  summary: 'write the Potree 2.0 octree of a scan file into a directory',
  usage: USAGE,
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, ['mm', 'json']);
    const [file, outDir] = positionals;
    if (!file || !outDir || positionals.length > 2) {
      io.err(USAGE);
      return 2;
    }
    let spacing: number | undefined;
    let maxPointsPerNode: number | undefined;
    let workers: number | undefined;
    try {
      spacing = positiveNumber(flags.get('spacing'), 'spacing');
      maxPointsPerNode = positiveNumber(flags.get('max-points-per-node'), 'max-points-per-node');
      workers = positiveNumber(flags.get('workers'), 'workers');
    } catch (error) {
      io.err(`coherency octree: ${(error as Error).message}`);
      return 2;
    }

    const readStart = performance.now();
    let cloud = await readPointCloudFile(file);
    if (flags.has('mm')) cloud = toMillimetres(cloud);
    const finite = finitePoints(cloud);
    cloud = finite.cloud;
    const readMs = performance.now() - readStart;

    try {
      const result = await buildOctree(cloud, {
        outDir,
        ...(spacing !== undefined ? { spacing } : {}),
        ...(maxPointsPerNode !== undefined ? { maxPointsPerNode: Math.floor(maxPointsPerNode) } : {}),
        ...(workers !== undefined ? { workers: Math.floor(workers) } : {}),
        name: file.split(/[\\/]/).pop() ?? '',
      });
      const { stats, metadata } = result;
      const pointsPerSecond = stats.points / Math.max(stats.ms / 1000, 1e-9);
      if (flags.has('json')) {
        io.out(JSON.stringify({ points: stats.points, nodes: stats.nodes, depth: stats.depth, ms: stats.ms, pointsPerSecond, readMs, droppedNonFinite: finite.dropped, units: metadata.units, scale: metadata.scale[0], spacing: metadata.spacing, files: result.files }));
      } else {
        io.out(`points ${stats.points}  nodes ${stats.nodes}  depth ${stats.depth}  ${(stats.ms / 1000).toFixed(2)} s  ${(pointsPerSecond / 1e6).toFixed(2)} M points/s`);
        io.out(`units ${metadata.units}  scale ${metadata.scale[0]}  spacing ${metadata.spacing.toPrecision(4)}  octree.bin ${result.files['octree.bin']} bytes  (read ${(readMs / 1000).toFixed(2)} s${finite.dropped ? `, ${finite.dropped} non-finite points left out` : ''})`);
      }
      return 0;
    } catch (error) {
      if (isOctreeError(error)) {
        io.err(`coherency octree: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};
