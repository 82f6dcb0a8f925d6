import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LengthUnit } from '../../common/point-cloud';
import { createSegmenter, isModelError, parseProviderList, type Segmenter } from '../analysis/segmentation/index';
import { findWoundInScan, isWoundFinderError } from '../analysis/wound-finder/index';
import { MILLIMETRES_PER_UNIT, isScanFormatError, readPointCloudFile, toMillimetres } from '../scans/index';
import { parseArgs, type CliCommand } from './command';

type KnownUnit = Exclude<LengthUnit, 'unknown'>;
const UNITS = Object.keys(MILLIMETRES_PER_UNIT) as KnownUnit[];

/** The installed reference model, from source (main/cli) or the build (out/main). */
function defaultManifest(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'native-models', 'wound-seg', 'model.json');
}

class UsageError extends Error {}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export const segmentScanCommand: CliCommand = {
  name: 'segment-scan',
  summary: "find the wound in a coloured scan: the wound's point count and its boundary on the surface",
  usage:
    'coherency segment-scan SCAN --json [--model model.json] [--providers cuda,webgpu,cpu] [--threads N]\n' +
    '                        [--units m|cm|mm|ft|us-ft|in] [--view x,y,z]\n' +
    '  Renders the scan\'s colours along its capture direction (--view, from the scanner toward the\n' +
    '  surface, else the least-variance direction), runs the wound model, and prints\n' +
    '  {points, wound_points, boundary: [[x, y, z], …], provider, model, view_direction, timings}\n' +
    "  with the boundary in the file's own coordinates and units. --units: the unit of a file that\n" +
    '  does not state one (default m, as LiDAR apps write). Errors: {"error": {code, message}}, exit 2.',
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, ['json']);
    const json = flags.has('json');
    const fail = (code: string, message: string): number => {
      if (json) io.out(JSON.stringify({ error: { code, message } }));
      else io.err(`segment-scan: ${code}: ${message}`);
      return 2;
    };
    let segmenter: Segmenter | undefined;
    try {
      const file = positionals[0];
      if (!file || positionals.length > 1) throw new UsageError(this.usage);
      const unitsFlag = flags.get('units');
      if (unitsFlag !== undefined && (typeof unitsFlag !== 'string' || !UNITS.includes(unitsFlag as KnownUnit))) throw new UsageError(`--units must be one of ${UNITS.join(', ')}`);
      let view: [number, number, number] | undefined;
      const viewFlag = flags.get('view');
      if (viewFlag !== undefined) {
        const parts = typeof viewFlag === 'string' ? viewFlag.split(',').map(Number) : [];
        if (parts.length !== 3 || !parts.every(Number.isFinite)) throw new UsageError('--view must be three numbers: x,y,z');
        view = parts as [number, number, number];
      }
      const threadsFlag = flags.get('threads');
      const threads = typeof threadsFlag === 'string' ? Number(threadsFlag) : undefined;
      if (threadsFlag !== undefined && (threads === undefined || !Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive integer');
      const providersFlag = flags.get('providers');
      const providers = typeof providersFlag === 'string' ? parseProviderList(providersFlag) : undefined;
      const model = flags.get('model');
      const manifestPath = typeof model === 'string' ? resolve(model) : defaultManifest();

      const raw = await readPointCloudFile(file);
      const unit: KnownUnit = raw.units !== 'unknown' ? raw.units : ((unitsFlag as KnownUnit | undefined) ?? 'm');
      const cloud = toMillimetres(raw, { assume: unit });
      segmenter = await createSegmenter({ manifestPath, ...(providers ? { providers } : {}), ...(threads ? { threads } : {}) });
      const found = await findWoundInScan(cloud, segmenter, view ? { viewDirection: view } : {});
      // Back to the file's own units (toMillimetres only scales).
      const factor = MILLIMETRES_PER_UNIT[unit];
      const boundary: number[][] = [];
      for (let k = 0; k < found.boundary.length / 3; k++) boundary.push([0, 1, 2].map((d) => found.boundary[3 * k + d]! / factor));
      const summary = {
        points: cloud.count,
        wound_points: found.woundPointCount,
        boundary,
        units: unit,
        provider: found.provider,
        attempts: segmenter.attempts.map((a) => ({ provider: a.provider, ok: a.ok })),
        model: found.model,
        view_direction: found.viewDirection.map((x) => round(x, 6)),
        timings: {
          renderMs: round(found.timings.renderMs, 1),
          inferenceMs: round(found.timings.inferenceMs, 1),
          liftMs: round(found.timings.liftMs, 1),
          totalMs: round(found.timings.totalMs, 1),
        },
      };
      if (json) io.out(JSON.stringify(summary));
      else {
        io.out(`provider: ${summary.provider}`);
        io.out(`wound: ${summary.wound_points} of ${summary.points} points, boundary of ${boundary.length} vertices (${unit})`);
        io.out(`model: ${summary.model.name} ${summary.model.version}  time ${summary.timings.totalMs} ms (render ${summary.timings.renderMs}, inference ${summary.timings.inferenceMs}, lift ${summary.timings.liftMs})`);
      }
      return 0;
    } catch (error) {
      if (error instanceof UsageError) {
        io.err(error.message);
        return 1;
      }
      if (isWoundFinderError(error) || isModelError(error)) return fail(error.code, error.message);
      if (isScanFormatError(error)) return fail(error.code, `cannot read the scan: ${error.message}`);
      const code = (error as { code?: unknown }).code;
      // File system errors name the path; say what happened without echoing it.
      return fail('IO', `cannot open a file (${typeof code === 'string' ? code : error instanceof Error ? error.message : 'unexpected error'})`);
    } finally {
      await segmenter?.dispose();
    }
  },
};
