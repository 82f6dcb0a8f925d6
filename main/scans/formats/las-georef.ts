/**
 * The parts of a LAS file's georeferencing that the reader needs: the horizontal length unit
 * (OGC WKT VLR 2112, else the GeoTIFF ProjLinearUnitsGeoKey) and a sanity check of the
 * GeoKeyDirectory (VLR 34735), whose malformed variants crash downstream GIS tools.
 */
import type { LengthUnit } from '../../../common/point-cloud';
import { ScanFormatError, type ScanErrorFormat } from './errors';
import { parseUnitWord } from './source';

export interface GeoVlrs {
  /** GeoKeyDirectory payload and its byte offset in the file. */
  geoKeys?: { data: Uint8Array; offset: number };
  geoDoubleLength?: number;
  geoAsciiLength?: number;
  wkt?: string;
}

const GT_MODEL_TYPE = 1024;
const PROJ_LINEAR_UNITS = 3076;
const GEOG_LINEAR_UNITS = 2052;
const TAG_DOUBLE = 34736;
const TAG_ASCII = 34737;

interface GeoKey {
  id: number;
  location: number;
  count: number;
  value: number;
}

/** Parses and checks the GeoKeyDirectory; throws BAD_VALUE for keys no valid writer produces. */
export function parseGeoKeys(vlrs: GeoVlrs, format: ScanErrorFormat): GeoKey[] {
  if (!vlrs.geoKeys) return [];
  const { data, offset } = vlrs.geoKeys;
  if (data.length < 8) throw new ScanFormatError('BAD_VALUE', format, offset, 'GeoKeyDirectory record is shorter than its 8-byte header');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = dv.getUint16(0, true);
  const count = dv.getUint16(6, true);
  if (version !== 1) throw new ScanFormatError('BAD_VALUE', format, offset, 'GeoKeyDirectory version is not 1');
  if (8 + count * 8 > data.length) throw new ScanFormatError('BAD_VALUE', format, offset, `GeoKeyDirectory declares ${count} keys but holds fewer`);
  const keys: GeoKey[] = [];
  for (let k = 0; k < count; k++) {
    const at = 8 + k * 8;
    const key: GeoKey = {
      id: dv.getUint16(at, true),
      location: dv.getUint16(at + 2, true),
      count: dv.getUint16(at + 4, true),
      value: dv.getUint16(at + 6, true),
    };
    if (key.id === 0) throw new ScanFormatError('BAD_VALUE', format, offset + at, `GeoKeyDirectory key ${k} has the invalid key id 0`);
    if (key.location !== 0 && key.location !== TAG_DOUBLE && key.location !== TAG_ASCII) {
      throw new ScanFormatError('BAD_VALUE', format, offset + at, `GeoKeyDirectory key ${key.id} points at unknown tag ${key.location}`);
    }
    if (key.location === 0 && key.count !== 1) throw new ScanFormatError('BAD_VALUE', format, offset + at, `GeoKeyDirectory key ${key.id} has an inline value count other than 1`);
    if (key.location === TAG_DOUBLE && vlrs.geoDoubleLength !== undefined && (key.value + key.count) * 8 > vlrs.geoDoubleLength) {
      throw new ScanFormatError('BAD_VALUE', format, offset + at, `GeoKeyDirectory key ${key.id} reads past the GeoDoubleParams record`);
    }
    if (key.location === TAG_ASCII && vlrs.geoAsciiLength !== undefined && key.value + key.count > vlrs.geoAsciiLength) {
      throw new ScanFormatError('BAD_VALUE', format, offset + at, `GeoKeyDirectory key ${key.id} reads past the GeoAsciiParams record`);
    }
    keys.push(key);
  }
  return keys;
}

const EPSG_UNITS: Record<number, LengthUnit> = { 9001: 'm', 9002: 'ft', 9003: 'us-ft', 9036: 'm', 9033: 'us-ft' };

/** The horizontal length unit: WKT first, then GeoKeys; 'unknown' for geographic (degree) systems; else 'm'. */
export function lasUnits(vlrs: GeoVlrs, keys: GeoKey[]): LengthUnit {
  if (vlrs.wkt) {
    const unit = unitFromWkt(vlrs.wkt);
    if (unit) return unit;
  }
  const linear = keys.find((k) => k.id === PROJ_LINEAR_UNITS && k.location === 0);
  if (linear) return EPSG_UNITS[linear.value] ?? 'm';
  const model = keys.find((k) => k.id === GT_MODEL_TYPE && k.location === 0);
  if (model?.value === 2) {
    const geog = keys.find((k) => k.id === GEOG_LINEAR_UNITS && k.location === 0);
    return geog ? (EPSG_UNITS[geog.value] ?? 'unknown') : 'unknown';
  }
  return 'm';
}

interface WktNode {
  keyword: string;
  args: Array<string | WktNode>;
}

/** The length unit of the projected CRS in a WKT1 or WKT2 string; undefined when it has none. */
export function unitFromWkt(wkt: string): LengthUnit | undefined {
  let root: WktNode | undefined;
  try {
    root = parseWkt(wkt);
  } catch {
    return undefined;
  }
  if (!root) return undefined;
  const projected = findNode(root, (n) => n.keyword === 'PROJCS' || n.keyword === 'PROJCRS' || n.keyword === 'PROJECTEDCRS');
  if (!projected) {
    const geographic = findNode(root, (n) => /^(GEOGCS|GEOGCRS|GEODCRS|GEOGRAPHICCRS)$/.test(n.keyword));
    return geographic ? 'unknown' : undefined;
  }
  let unit: WktNode | undefined;
  for (const arg of projected.args) {
    if (typeof arg !== 'string' && (arg.keyword === 'UNIT' || arg.keyword === 'LENGTHUNIT')) unit = arg;
  }
  if (!unit) {
    // WKT2 may give the unit per axis instead.
    unit = projected.args
      .filter((a): a is WktNode => typeof a !== 'string' && a.keyword === 'AXIS')
      .flatMap((a) => a.args)
      .find((a): a is WktNode => typeof a !== 'string' && (a.keyword === 'LENGTHUNIT' || a.keyword === 'UNIT'));
  }
  if (!unit) return undefined;
  const factor = Number(unit.args[1]);
  const name = typeof unit.args[0] === 'string' ? unit.args[0] : '';
  return unitFromFactor(factor) ?? parseUnitWord(name.replace(/^(?:international\s+)?/i, ''));
}

function unitFromFactor(factor: number): LengthUnit | undefined {
  if (!Number.isFinite(factor)) return undefined;
  const near = (v: number) => Math.abs(factor - v) <= v * 1e-9;
  if (near(1)) return 'm';
  if (near(0.3048)) return 'ft';
  if (near(1200 / 3937)) return 'us-ft';
  if (near(0.01)) return 'cm';
  if (near(0.001)) return 'mm';
  if (near(0.0254)) return 'in';
  return undefined;
}

function findNode(node: WktNode, match: (n: WktNode) => boolean): WktNode | undefined {
  if (match(node)) return node;
  for (const arg of node.args) {
    if (typeof arg === 'string') continue;
    const found = findNode(arg, match);
    if (found) return found;
  }
  return undefined;
}

/** A small recursive-descent WKT parser: KEYWORD[arg, "quoted", NESTED[...], ...]. */
function parseWkt(text: string): WktNode | undefined {
  let i = 0;
  const n = text.length;
  const skip = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  const node = (depth: number): WktNode => {
    if (depth > 64) throw new Error('too deep');
    skip();
    const start = i;
    while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
    const keyword = text.slice(start, i).toUpperCase();
    skip();
    const open = text[i];
    if (open !== '[' && open !== '(') return { keyword, args: [] };
    i++;
    const args: Array<string | WktNode> = [];
    for (;;) {
      skip();
      if (i >= n) throw new Error('unterminated');
      const c = text[i]!;
      if (c === ']' || c === ')') {
        i++;
        return { keyword, args };
      }
      if (c === ',') {
        i++;
        continue;
      }
      if (c === '"') {
        let value = '';
        i++;
        while (i < n) {
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            break;
          }
          value += text[i++];
        }
        i++;
        args.push(value);
        continue;
      }
      const tokenStart = i;
      while (i < n && /[A-Za-z_]/.test(text[i]!)) i++;
      if (i > tokenStart) {
        skip();
        if (text[i] === '[' || text[i] === '(') {
          i = tokenStart;
          args.push(node(depth + 1));
          continue;
        }
      }
      while (i < n && !/[,\])]/.test(text[i]!)) i++;
      args.push(text.slice(tokenStart, i).trim());
    }
  };
  skip();
  if (i >= n) return undefined;
  return node(0);
}
