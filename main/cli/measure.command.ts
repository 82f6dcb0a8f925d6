import { readFile } from 'node:fs/promises';
import type { LengthUnit } from '../../common/point-cloud';
import { measurementFigures } from '../analysis/assessment/index';
import { MeasureError, measureWound, type WoundMeasurement } from '../analysis/measure/index';
import { MILLIMETRES_PER_UNIT, isScanFormatError, readPointCloudFile, toMillimetres } from '../scans/index';
import { parseArgs, type CliCommand } from './command';

type KnownUnit = Exclude<LengthUnit, 'unknown'>;
const UNITS = Object.keys(MILLIMETRES_PER_UNIT) as KnownUnit[];

/** The figures the CLI prints (the per-point arrays and the lid mesh stay in the app). */
export function summarise(m: WoundMeasurement): Record<string, unknown> {
  // The app's figures, less the keys that only apply to some measurements when they do not.
  const { tissue_unavailable_reason, head_to_toe_length_cm, width_across_cm, ...figures } = measurementFigures(m);
  const out: Record<string, unknown> = figures;
  if (m.tissue_unavailable_reason) out.tissue_unavailable_reason = tissue_unavailable_reason;
  if (head_to_toe_length_cm !== null) Object.assign(out, { head_to_toe_length_cm, width_across_cm });
  return out;
}

class UsageError extends Error {}

/** OUTLINE.json: `{"points": [[x, y, z], …], "closed"?: boolean}` in the scan file's own units. */
function parseOutline(text: string): { points: number[][]; closed?: boolean } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new MeasureError('INVALID_INPUT', 'The outline file is not valid JSON.');
  }
  const points = (data as { points?: unknown })?.points;
  if (!Array.isArray(points) || !points.every((p) => Array.isArray(p) && p.length === 3 && p.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw new MeasureError('INVALID_INPUT', 'The outline file must be {"points": [[x, y, z], …]} with finite numbers.');
  }
  const closed = (data as { closed?: unknown }).closed;
  return typeof closed === 'boolean' ? { points: points as number[][], closed } : { points: points as number[][] };
}

export const measureCommand: CliCommand = {
  name: 'measure',
  summary: 'measure a wound on a scan: area, perimeter, length/width, depth, volume, tissue mix',
  usage:
    'coherency measure SCAN --outline OUTLINE.json [--units m|cm|mm|ft|us-ft|in] [--body-axis x,y,z] [--json]\n' +
    '  OUTLINE.json: {"points": [[x, y, z], …]} in the scan file\'s own coordinates and units,\n' +
    '  a closed loop (first point not repeated). --units: the unit of a file that does not state\n' +
    '  one (default m, as LiDAR apps write). Errors: {"error": {code, message}}, exit 2.',
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, ['json']);
    const json = flags.has('json');
    const fail = (code: string, message: string, exit: number): number => {
      if (json) io.out(JSON.stringify({ error: { code, message } }));
      else io.err(`measure: ${message}`);
      return exit;
    };
    try {
      const file = positionals[0];
      const outlinePath = flags.get('outline');
      if (!file || positionals.length > 1 || typeof outlinePath !== 'string') throw new UsageError(this.usage);
      const unitsFlag = flags.get('units');
      if (unitsFlag !== undefined && (typeof unitsFlag !== 'string' || !UNITS.includes(unitsFlag as KnownUnit))) throw new UsageError(`--units must be one of ${UNITS.join(', ')}`);
      let bodyAxis: [number, number, number] | undefined;
      const axisFlag = flags.get('body-axis');
      if (axisFlag !== undefined) {
        const parts = typeof axisFlag === 'string' ? axisFlag.split(',').map(Number) : [];
        if (parts.length !== 3 || !parts.every(Number.isFinite)) throw new UsageError('--body-axis must be three numbers: x,y,z');
        bodyAxis = parts as [number, number, number];
      }

      const outline = parseOutline(await readFile(outlinePath, 'utf8'));
      const raw = await readPointCloudFile(file);
      const unit: KnownUnit = raw.units !== 'unknown' ? raw.units : ((unitsFlag as KnownUnit | undefined) ?? 'm');
      const cloud = toMillimetres(raw, { assume: unit });
      // The outline is in the file's units: the same factor as the scan.
      const factor = MILLIMETRES_PER_UNIT[unit];
      const points = outline.points.map((p) => p.map((x) => x * factor));
      const m = measureWound(cloud, points, { ...(bodyAxis ? { bodyAxis } : {}), ...(outline.closed !== undefined ? { closed: outline.closed } : {}) });
      const summary = summarise(m);
      if (json) io.out(JSON.stringify(summary));
      else for (const [k, v] of Object.entries(summary)) io.out(`${k.padEnd(22)} ${typeof v === 'number' ? v.toFixed(3) : JSON.stringify(v)}`);
      return 0;
    } catch (error) {
      if (error instanceof UsageError) {
        io.err(error.message);
        return 1;
      }
      if (error instanceof MeasureError) return fail(error.code, error.message, 2);
      if (isScanFormatError(error)) return fail(error.code, `cannot read the scan: ${error.message}`, 2);
      const code = (error as { code?: unknown }).code;
      // File system errors name the path; say what happened without echoing it.
      return fail('IO', `cannot open a file (${typeof code === 'string' ? code : 'unexpected error'})`, 2);
    }
  },
};
