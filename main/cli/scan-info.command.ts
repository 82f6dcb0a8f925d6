import { computeStats, isScanFormatError, readPointCloudFile } from '../scans';
import type { PointCloud } from '../../common/point-cloud';
import { parseArgs, type CliCommand } from './command';

/** The attributes a cloud carries, in a fixed order: standard ones, then the file's extras. */
export function attributesOf(cloud: PointCloud): string[] {
  const names = ['xyz'];
  if (cloud.colors) names.push('rgb');
  if (cloud.normals) names.push('normals');
  if (cloud.intensity) names.push('intensity');
  if (cloud.classification) names.push('classification');
  for (const e of cloud.extras) names.push(e.name);
  return names;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(10).replace(/\.?0+$/, ''));
const triple = (v: readonly number[]) => `(${v.map(fmt).join(', ')})`;

export const scanInfoCommand: CliCommand = {
  name: 'scan-info',
  summary: 'read a point-cloud file (PLY, LAS/LAZ, E57, XYZ/PTS, OBJ) and print its summary',
  usage: 'coherency scan-info FILE [--json]',
  async run(args, io) {
    const { positionals, flags } = parseArgs(args, ['json']);
    const json = flags.has('json');
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      io.err(this.usage);
      return 1;
    }
    let cloud: PointCloud;
    try {
      cloud = await readPointCloudFile(file);
    } catch (error) {
      if (isScanFormatError(error)) {
        const { code, format, offset, line, message } = error;
        if (json) io.out(JSON.stringify({ error: { code, format, offset, ...(line === undefined ? {} : { line }), message } }));
        else io.err(`scan-info: cannot read the file: ${message}`);
        return 2;
      }
      const code = (error as { code?: unknown }).code;
      // File system errors name the path; say what happened without echoing it.
      const reason = typeof code === 'string' ? code : 'unexpected error';
      if (json) io.out(JSON.stringify({ error: { code: 'IO', format: 'unknown', offset: 0, message: `cannot open the file (${reason})` } }));
      else io.err(`scan-info: cannot open the file (${reason})`);
      return 1;
    }
    const stats = computeStats(cloud);
    const summary = {
      format: cloud.format,
      version: cloud.version,
      points: cloud.count,
      attributes: attributesOf(cloud),
      bbox: stats.bbox ? { min: stats.bbox.min, max: stats.bbox.max } : null,
      centroid: stats.centroid,
      units: cloud.units,
      /** Breaches of the format's specification that were read past: `[{code, message, count}]`. */
      warnings: cloud.warnings ?? [],
    };
    if (json) {
      io.out(JSON.stringify(summary));
      return 0;
    }
    io.out(`format      ${cloud.format.toUpperCase()}${cloud.version ? ` ${cloud.version}` : ''}`);
    io.out(`points      ${cloud.count.toLocaleString('en-US')}`);
    io.out(`attributes  ${summary.attributes.join(', ')}`);
    io.out(`units       ${cloud.units}`);
    if (stats.bbox && stats.centroid) {
      io.out(`bbox        min ${triple(stats.bbox.min)}  max ${triple(stats.bbox.max)}`);
      io.out(`centroid    ${triple(stats.centroid)}`);
    } else {
      io.out('bbox        none (no points)');
    }
    if (stats.nonFinite > 0) io.out(`non-finite  ${stats.nonFinite} points left out of bbox and centroid`);
    if (cloud.sourceApp) io.out(`software    ${cloud.sourceApp}`);
    if (cloud.sourceDevice) io.out(`device      ${cloud.sourceDevice}`);
    for (const w of summary.warnings) io.out(`warning     ${w.message} [${w.code}]`);
    return 0;
  },
};
