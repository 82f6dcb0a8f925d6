/**
 * XYZ / CSV / Leica PTS text point files: one point per row, columns split by space, tab,
 * comma or semicolon; an optional header row of column names; an optional PTS count line.
 *
 * The rows must form one table: at least three numeric columns (x y z), every row with the
 * same number of columns. Anything else (a single column of numbers, a raster grid that shares
 * the .xyz/.asc extensions, rows of changing width) is not a point list and is refused with
 * the line that shows it.
 */
import type { PointCloud } from '../../../common/point-cloud';
import { CH_COMMA, CH_CR, CH_DOT, CH_HASH, CH_LF, CH_SEMICOLON, CH_SLASH, CH_SPACE, CH_TAB, latin1, parseField } from './ascii';
import { PointBuilder, type BuilderLayout } from './builder';
import { ScanFormatError, textError } from './errors';
import type { Limits } from './options';

type Delimiter = 'space' | 'comma' | 'semicolon';

const MAX_COLUMNS = 256;

interface Line {
  start: number;
  /** End of the content, without the terminator. */
  end: number;
  /** Start of the next line. */
  next: number;
  terminated: boolean;
}

function readLine(bytes: Uint8Array, pos: number): Line {
  let e = bytes.indexOf(CH_LF, pos);
  const terminated = e >= 0;
  if (!terminated) e = bytes.length;
  let end = e;
  while (end > pos && (bytes[end - 1] === CH_CR || bytes[end - 1] === CH_SPACE || bytes[end - 1] === CH_TAB)) end--;
  let start = pos;
  while (start < end && (bytes[start] === CH_SPACE || bytes[start] === CH_TAB)) start++;
  return { start, end, next: e + 1, terminated };
}

function isComment(bytes: Uint8Array, line: Line): boolean {
  const c = bytes[line.start];
  return c === CH_HASH || (c === CH_SLASH && bytes[line.start + 1] === CH_SLASH && !/[a-z]/i.test(String.fromCharCode(bytes[line.start + 2] ?? 0)));
}

/** Field boundaries of one row. */
class Fields {
  readonly starts = new Int32Array(MAX_COLUMNS);
  readonly ends = new Int32Array(MAX_COLUMNS);
  count = 0;

  /** Splits a row; returns its number of fields, or MAX_COLUMNS + 1 when it has more than MAX_COLUMNS. */
  split(bytes: Uint8Array, start: number, end: number, delimiter: Delimiter): number {
    let n = 0;
    if (delimiter === 'space') {
      let i = start;
      while (i < end) {
        while (i < end && (bytes[i] === CH_SPACE || bytes[i] === CH_TAB)) i++;
        if (i >= end) break;
        const s = i;
        while (i < end && bytes[i] !== CH_SPACE && bytes[i] !== CH_TAB) i++;
        if (n === MAX_COLUMNS) {
          n++;
          break;
        }
        this.starts[n] = s;
        this.ends[n++] = i;
      }
    } else {
      const sep = delimiter === 'comma' ? CH_COMMA : CH_SEMICOLON;
      let i = start;
      for (;;) {
        let s = i;
        while (i < end && bytes[i] !== sep) i++;
        let e = i;
        while (s < e && (bytes[s] === CH_SPACE || bytes[s] === CH_TAB)) s++;
        while (e > s && (bytes[e - 1] === CH_SPACE || bytes[e - 1] === CH_TAB)) e--;
        if (n === MAX_COLUMNS) {
          n++;
          break;
        }
        this.starts[n] = s;
        this.ends[n++] = e;
        if (i >= end) break;
        i++;
      }
    }
    this.count = n;
    return n;
  }
}

/**
 * Header keywords of text raster grids that share the point-list extensions: ESRI ASCII grid
 * (.asc, often saved as .xyz/.txt), GRASS ASCII grid, Surfer 6 text grid.
 */
const GRID_HEADERS: Array<[RegExp, string]> = [
  [/^(?:ncols|nrows|xllcorner|yllcorner|xllcenter|yllcenter|cellsize|nodata_value)\b/i, 'an ESRI ASCII grid'],
  [/^(?:north|south|east|west|rows|cols):/i, 'a GRASS ASCII grid'],
  [/^DSAA\b/, 'a Surfer text grid (DSAA)'],
];

function gridKind(text: string): string | undefined {
  for (const [pattern, kind] of GRID_HEADERS) if (pattern.test(text)) return kind;
  return undefined;
}

function detectDelimiter(bytes: Uint8Array, line: Line): Delimiter {
  let comma = false;
  let semicolon = false;
  for (let i = line.start; i < line.end; i++) {
    if (bytes[i] === CH_SEMICOLON) semicolon = true;
    else if (bytes[i] === CH_COMMA) comma = true;
  }
  if (semicolon) return 'semicolon';
  if (comma) return 'comma';
  return 'space';
}

/** Column roles. */
interface Layout {
  x: number;
  y: number;
  z: number;
  rgb: [number, number, number] | undefined;
  normal: [number, number, number] | undefined;
  intensity: number | undefined;
  extras: Array<{ name: string; column: number }>;
  /** How many columns a full row has. */
  columns: number;
}

const NAME_ROLES: Record<string, string> = {
  x: 'x',
  y: 'y',
  z: 'z',
  r: 'r',
  red: 'r',
  g: 'g',
  green: 'g',
  b: 'b',
  blue: 'b',
  i: 'i',
  intensity: 'i',
  scalar_intensity: 'i',
  nx: 'nx',
  ny: 'ny',
  nz: 'nz',
  normal_x: 'nx',
  normal_y: 'ny',
  normal_z: 'nz',
};

function layoutFromNames(names: string[], fail: (reason: string) => ScanFormatError): Layout {
  const roles = new Map<string, number>();
  const extras: Layout['extras'] = [];
  names.forEach((raw, column) => {
    const name = raw.replace(/^\/\/\s*/, '').replace(/^["']|["']$/g, '').trim();
    const role = NAME_ROLES[name.toLowerCase()];
    if (role && !roles.has(role)) roles.set(role, column);
    else extras.push({ name: name || `column_${column}`, column });
  });
  const x = roles.get('x');
  const y = roles.get('y');
  const z = roles.get('z');
  if (x === undefined || y === undefined || z === undefined) throw fail('header row does not name X, Y and Z columns');
  const triple = (a: string, b: string, c: string): [number, number, number] | undefined => {
    const i = roles.get(a);
    const j = roles.get(b);
    const k = roles.get(c);
    return i !== undefined && j !== undefined && k !== undefined ? [i, j, k] : undefined;
  };
  const rgb = triple('r', 'g', 'b');
  const normal = triple('nx', 'ny', 'nz');
  for (const [role, column] of roles) {
    const used = ['x', 'y', 'z', 'i'].includes(role) || (rgb && 'rgb'.includes(role)) || (normal && role.startsWith('n'));
    if (!used) extras.push({ name: names[column]!.trim(), column });
  }
  return { x, y, z, rgb, normal, intensity: roles.get('i'), extras: extras.sort((a, b) => a.column - b.column), columns: names.length };
}

function layoutFromCount(columns: number, pts: boolean, fail: (reason: string) => ScanFormatError): Layout {
  const base: Layout = { x: 0, y: 1, z: 2, rgb: undefined, normal: undefined, intensity: undefined, extras: [], columns };
  const extrasFrom = (first: number, names: string[] = []) => {
    for (let c = first; c < columns; c++) base.extras.push({ name: names[c - first] ?? `column_${c}`, column: c });
  };
  if (columns < 3) throw fail(`the first row has ${columns} column${columns === 1 ? '' : 's'}; a point list needs at least 3 (x y z)`);
  if (columns === 4) base.intensity = 3;
  else if (columns === 6) base.rgb = [3, 4, 5];
  else if (columns === 7 && pts) {
    base.intensity = 3;
    base.rgb = [4, 5, 6];
  } else if (columns === 7) {
    base.rgb = [3, 4, 5];
    extrasFrom(6, ['alpha']);
  } else extrasFrom(3);
  return base;
}

export function readText(bytes: Uint8Array, limits: Limits, options: { fileName?: string }): PointCloud {
  const ext = (options.fileName ?? '').toLowerCase().split('.').pop() ?? '';
  let pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let format: 'xyz' | 'pts' = ext === 'pts' ? 'pts' : 'xyz';

  // First meaningful line: a PTS count, a header row or the first data row.
  let declared: number | undefined;
  let names: string[] | undefined;
  let delimiter: Delimiter | undefined;
  const fields = new Fields();
  let line: Line | undefined;
  while (pos < bytes.length) {
    const l = readLine(bytes, pos);
    if (l.start === l.end || isComment(bytes, l)) {
      pos = l.next;
      continue;
    }
    line = l;
    break;
  }
  const fail = (code: Parameters<typeof textError>[0], at: number, reason: string) => textError(code, format, bytes, at, reason);
  if (line) {
    const text = latin1(bytes, line.start, Math.min(line.end, line.start + 4096));
    const grid = gridKind(text);
    if (grid) throw fail('UNSUPPORTED', line.start, `${grid} header: a raster of values, not a list of points`);
    if (/^\d+$/.test(text)) {
      declared = Number(text);
      format = 'pts';
      if (!Number.isSafeInteger(declared)) throw fail('BAD_VALUE', line.start, 'PTS count line is not a usable integer');
      if (declared > limits.maxPoints) throw fail('TOO_LARGE', line.start, `declares ${declared} points, more than the limit of ${limits.maxPoints}`);
      pos = line.next;
    } else {
      delimiter = detectDelimiter(bytes, line);
      const n = fields.split(bytes, line.start, line.end, delimiter);
      if (n > MAX_COLUMNS) throw fail('UNSUPPORTED', line.start, `more than ${MAX_COLUMNS} columns: not a list of points`);
      let numeric = true;
      for (let k = 0; k < n && numeric; k++) {
        const s = fields.starts[k]!;
        const e = fields.ends[k]!;
        if (parseField(bytes, s, e) === undefined && !(delimiter === 'semicolon' && parseWithComma(bytes, s, e) !== undefined)) numeric = false;
      }
      if (!numeric) {
        names = Array.from({ length: n }, (_, k) => latin1(bytes, fields.starts[k]!, fields.ends[k]!));
        pos = line.next;
      }
    }
  }

  // First data row: delimiter and column count.
  let first: Line | undefined;
  for (let p = pos; p < bytes.length; ) {
    const l = readLine(bytes, p);
    if (l.start === l.end || isComment(bytes, l)) {
      p = l.next;
      continue;
    }
    first = l;
    break;
  }
  if (!first) {
    if (declared) throw new ScanFormatError('TRUNCATED', format, bytes.length, `PTS count line declares ${declared} points, the file has none`);
    // A header row alone is an empty table only when it names the columns of a point list.
    if (names) layoutFromNames(names, (reason) => fail('BAD_HEADER', line?.start ?? 0, reason));
    return emptyCloud(format);
  }
  delimiter ??= detectDelimiter(bytes, first);
  const decimalComma = delimiter === 'semicolon' && !hasByte(bytes, first, CH_DOT) && hasByte(bytes, first, CH_COMMA);
  const headerAt = line?.start ?? 0;
  let layout: Layout;
  if (names) layout = layoutFromNames(names, (reason) => fail('BAD_HEADER', headerAt, reason));
  else {
    const grid = gridKind(latin1(bytes, first.start, Math.min(first.end, first.start + 64)));
    if (grid) throw fail('UNSUPPORTED', first.start, `${grid} header: a raster of values, not a list of points`);
    const columns = fields.split(bytes, first.start, first.end, delimiter);
    if (columns > MAX_COLUMNS) throw fail('UNSUPPORTED', first.start, `more than ${MAX_COLUMNS} columns: not a list of points`);
    layout = layoutFromCount(columns, format === 'pts', (reason) => fail('BAD_VALUE', first.start, reason));
  }
  const needed = 1 + Math.max(layout.x, layout.y, layout.z, ...(layout.rgb ?? []), ...(layout.normal ?? []), layout.intensity ?? 0, ...layout.extras.map((e) => e.column));
  const row = new Float64Array(Math.max(needed, layout.columns));
  const tableFrom = names ? 'the header row names' : 'the first row has';

  /** Parses a row of the table into `row`; strict: refuses a row of another width or a cell that is not a number, else returns -1. */
  const parseRow = (l: Line, strict: boolean): number => {
    const n = fields.split(bytes, l.start, l.end, delimiter);
    if (n !== layout.columns) {
      if (!strict) return -1;
      throw fail('BAD_VALUE', l.start, `row has ${n > MAX_COLUMNS ? `more than ${MAX_COLUMNS}` : n} column${n === 1 ? '' : 's'} where ${tableFrom} ${layout.columns}: the rows do not form one table`);
    }
    for (let k = 0; k < needed; k++) {
      const value = decimalComma ? parseWithComma(bytes, fields.starts[k]!, fields.ends[k]!) : parseField(bytes, fields.starts[k]!, fields.ends[k]!);
      if (value === undefined) {
        if (!strict) return -1;
        throw fail('BAD_VALUE', fields.starts[k]!, `column ${k + 1} of the row is not a number`);
      }
      row[k] = value;
    }
    return n;
  };

  // Colour columns hold 0..255 or 0..1: look at the first rows to tell which.
  let colorScale = 1;
  if (layout.rgb) {
    let max = 0;
    let fractional = false;
    let p = first.start;
    for (let seen = 0; seen < 1000 && p < bytes.length; ) {
      const l = readLine(bytes, p);
      p = l.next;
      if (l.start === l.end || isComment(bytes, l)) continue;
      if (parseRow(l, false) < 0) break;
      for (const c of layout.rgb) {
        const v = row[c]!;
        if (v > max) max = v;
        if (v !== Math.floor(v)) fractional = true;
      }
      seen++;
    }
    if (max <= 1 && fractional) colorScale = 255;
  }
  const intensityOffset = format === 'pts' && layout.columns === 7 && !names ? 2048 : 0;

  const builderLayout: BuilderLayout = {
    colors: !!layout.rgb,
    intensity: layout.intensity !== undefined,
    normals: !!layout.normal,
    extraNames: layout.extras.map((e) => e.name),
  };
  const averageRow = Math.max(8, first.next - first.start);
  // Size from the file, never from a count line alone (which may be damaged).
  const fromSize = Math.ceil(((bytes.length - first.start) / averageRow) * 1.05) + 16;
  const builder = new PointBuilder(builderLayout, Math.min(fromSize, declared ?? fromSize), limits.maxPoints, format);

  let remaining = declared ?? Infinity;
  let rows = 0;
  pos = first.start;
  while (pos < bytes.length) {
    const l = readLine(bytes, pos);
    pos = l.next;
    if (l.start === l.end || isComment(bytes, l)) continue;
    if (remaining === 0) {
      // A multi-scan PTS file: another count line starts the next scan; otherwise the
      // declared count is honoured and the rows after it are not points.
      const text = latin1(bytes, l.start, Math.min(l.end, l.start + 32));
      if (declared !== undefined && /^\d+$/.test(text)) {
        const more = Number(text);
        remaining = more;
        declared += more;
        if (declared > limits.maxPoints) throw fail('TOO_LARGE', l.start, `declares more than the limit of ${limits.maxPoints} points`);
        continue;
      }
      // More rows of the same table (or a cut-off one) are left out; anything else is not a point file.
      if (declared !== undefined && l.terminated && parseRow(l, false) < 0) {
        throw fail('BAD_VALUE', l.start, `after the ${declared} points its count line declares, a line that is neither a row of the table nor a count line`);
      }
      break;
    }
    // An unterminated last row is a cut-off write: keep it when x, y and z are whole.
    const last = !l.terminated;
    let n = parseRow(l, !last);
    if (n < 0 && last) {
      n = fields.count;
      // Cut off: fewer columns than the table (or a number cut short). Wider is not a cut.
      if (n > layout.columns) parseRow(l, true);
      if (n < 3 || layout.x > 2 || layout.y > 2 || layout.z > 2) break;
      let ok = true;
      for (let k = 0; k < needed; k++) {
        const v = k < n ? parseField(bytes, fields.starts[k]!, fields.ends[k]!) : 0;
        if (v === undefined) {
          ok = false;
          break;
        }
        row[k] = v;
      }
      if (!ok) break;
    }
    const i = builder.add(l.start);
    const positions = builder.positions;
    positions[i * 3] = row[layout.x]!;
    positions[i * 3 + 1] = row[layout.y]!;
    positions[i * 3 + 2] = row[layout.z]!;
    if (layout.rgb) {
      const colors = builder.colors!;
      colors[i * 3] = row[layout.rgb[0]]! * colorScale;
      colors[i * 3 + 1] = row[layout.rgb[1]]! * colorScale;
      colors[i * 3 + 2] = row[layout.rgb[2]]! * colorScale;
    }
    if (layout.normal) {
      const normals = builder.normals!;
      normals[i * 3] = row[layout.normal[0]]!;
      normals[i * 3 + 1] = row[layout.normal[1]]!;
      normals[i * 3 + 2] = row[layout.normal[2]]!;
    }
    if (layout.intensity !== undefined) builder.intensity![i] = Math.min(65535, Math.max(0, Math.round(row[layout.intensity]! + intensityOffset)));
    for (let k = 0; k < layout.extras.length; k++) builder.extras[k]![i] = row[layout.extras[k]!.column]!;
    remaining--;
    if ((++rows & 0xffff) === 0) limits.progress(pos / bytes.length);
  }
  if (declared !== undefined && remaining > 0 && remaining !== Infinity) {
    throw new ScanFormatError('TRUNCATED', format, bytes.length, `PTS count line declares ${declared} points, the file has ${builder.count}`);
  }

  const built = builder.finish();
  const cloud: PointCloud = {
    format,
    version: '',
    count: built.count,
    positions: built.positions,
    extras: built.extras,
    units: 'unknown',
    comments: [],
  };
  if (built.colors) cloud.colors = built.colors;
  if (built.normals) cloud.normals = built.normals;
  if (built.intensity) cloud.intensity = built.intensity;
  limits.progress(1);
  return cloud;
}

function hasByte(bytes: Uint8Array, line: Line, byte: number): boolean {
  const i = bytes.indexOf(byte, line.start);
  return i >= 0 && i < line.end;
}

const commaScratch = new Uint8Array(512);

function parseWithComma(bytes: Uint8Array, start: number, end: number): number | undefined {
  const n = end - start;
  if (n > commaScratch.length) return undefined;
  for (let i = 0; i < n; i++) {
    const c = bytes[start + i]!;
    commaScratch[i] = c === CH_COMMA ? CH_DOT : c;
  }
  return parseField(commaScratch, 0, n);
}

function emptyCloud(format: 'xyz' | 'pts'): PointCloud {
  return { format, version: '', count: 0, positions: new Float64Array(0), extras: [], units: 'unknown', comments: [] };
}
