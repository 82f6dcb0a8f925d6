import { describe, expect, it } from 'vitest';
import { parseField, parseNumber } from './ascii';
import { ScanFormatError } from './errors';
import { readObj } from './obj';
import { limitsOf } from './options';
import { readText } from './text';

const enc = (s: string) => new TextEncoder().encode(s);
const text = (s: string, fileName?: string) => readText(enc(s), limitsOf({}), fileName ? { fileName } : {});
const obj = (s: string) => readObj(enc(s), limitsOf({}));
function fail(f: () => unknown): ScanFormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof ScanFormatError) return e;
    throw e;
  }
  throw new Error('expected a ScanFormatError');
}

describe('number parsing from bytes', () => {
  const num = (s: string) => parseNumber(enc(s), 0, s.length);
  it.each([
    ['0', 0],
    ['-12.5', -12.5],
    ['+3', 3],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['-2.5E-3', -0.0025],
    ['665187.522077', 665187.522077],
    ['0.1', 0.1],
    ['12345678901234567890', 12345678901234567000],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['4.9e-324', 4.9e-324],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
  ])('%s', (s, v) => expect(num(s)).toBe(v));

  it('matches Number() on many random decimals', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const s = ((rnd() - 0.5) * 10 ** Math.floor(rnd() * 12)).toFixed(Math.floor(rnd() * 9));
      expect(num(s)).toBe(Number(s));
    }
  });

  it.each(['', '-', 'abc', '1e', '1.2.3', '0x10', '1,5', '--1'])('refuses "%s"', (s) => {
    expect(Number.isNaN(num(s))).toBe(true);
    expect(parseField(enc(s), 0, s.length)).toBeUndefined();
  });

  it('accepts written NaN spellings as NaN values', () => {
    for (const s of ['nan', 'NaN', '-nan', '-nan(ind)', '1.#QNAN']) expect(Number.isNaN(parseField(enc(s), 0, s.length))).toBe(true);
  });
});

describe('XYZ and PTS', () => {
  it.each([
    ['space', '1 2 3\n4 5 6\n'],
    ['tab', '1\t2\t3\r\n4\t5\t6\r\n'],
    ['comma', '1,2,3\n4, 5 ,6\n'],
    ['semicolon', '1;2;3\n4;5;6'],
    ['semicolon with decimal commas', '1,0;2;3\n4;5,0;6\n'],
  ])('detects the %s delimiter', (_name, s) => {
    const cloud = text(s);
    expect(cloud.format).toBe('xyz');
    expect([...cloud.positions]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('maps columns by header names, in any order, keeping the others as extras', () => {
    const cloud = text('//Z,Red,Green,Blue,X,Y,Time\n3,10,20,30,1,2,0.5\n6,40,50,60,4,5,1.5\n');
    expect([...cloud.positions]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...cloud.colors!]).toEqual([10, 20, 30, 40, 50, 60]);
    expect(cloud.extras.map((e) => [e.name, [...e.values]])).toEqual([['Time', [0.5, 1.5]]]);
  });

  it('refuses a header row without X, Y and Z, also when no rows follow it', () => {
    expect(fail(() => text('A,B,C\n1,2,3\n')).code).toBe('BAD_HEADER');
    expect(fail(() => text('hello world\n', 'a.xyz'))).toMatchObject({ code: 'BAD_HEADER', line: 1 });
    expect(text('X Y Z\n', 'a.xyz').count).toBe(0);
  });

  it('reads x y z intensity and x y z r g b layouts, colours as 0..255 or 0..1', () => {
    expect([...text('1 2 3 70000\n1 2 3 -5\n').intensity!]).toEqual([65535, 0]);
    expect([...text('1 2 3 255 128 0\n').colors!]).toEqual([255, 128, 0]);
    expect([...text('1 2 3 1.0 0.5 0.0\n4 5 6 0 0.2 1\n').colors!]).toEqual([255, 128, 0, 0, 51, 255]);
  });

  it('reads CloudCompare x y z r g b a rows', () => {
    const cloud = text('1 2 3 117.0 73.0 49.0 255.0\n', 'points.xyz');
    expect([...cloud.colors!]).toEqual([117, 73, 49]);
    expect(cloud.extras[0]!.name).toBe('alpha');
  });

  it('reads Leica PTS: count line, x y z intensity r g b, intensity shifted from -2048..2047', () => {
    const cloud = text('2\n1 2 3 -2048 10 20 30\n4 5 6 2047 40 50 60\n');
    expect(cloud.format).toBe('pts');
    expect([...cloud.intensity!]).toEqual([0, 4095]);
    expect([...cloud.colors!]).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('honours a PTS count smaller than the rows that follow', () => {
    expect(text('2\n1 1 1\n2 2 2\n9 9 9\n').count).toBe(2);
  });

  it('reads multi-scan PTS files (a count line per scan)', () => {
    const cloud = text('1\n1 1 1\n2\n2 2 2\n3 3 3\n');
    expect([...cloud.positions]).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
  });

  it('refuses a PTS count larger than the rows', () => {
    expect(fail(() => text('5\n1 1 1\n')).code).toBe('TRUNCATED');
    expect(fail(() => text('5\n')).code).toBe('TRUNCATED');
  });

  it('skips comments and blank lines; an empty table is 0 points', () => {
    expect(text('# comment\n\n1 2 3\n\n# more\n4 5 6\n').count).toBe(2);
    expect(text('# nothing\n', 'a.xyz').count).toBe(0);
  });

  it('keeps a cut-off last row with whole coordinates and drops one without', () => {
    expect(text('1 2 3 10 20 30\n4 5 6 1').count).toBe(2);
    expect(text('1 2 3 10 20 30\n4 5').count).toBe(1);
  });

  it('refuses short and non-numeric rows in the middle of the file', () => {
    expect(fail(() => text('1 2 3\n4 5\n7 8 9\n')).code).toBe('BAD_VALUE');
    expect(fail(() => text('1 2 3\n4 x 6\n7 8 9\n')).code).toBe('BAD_VALUE');
    expect(fail(() => text('1 2\n')).code).toBe('BAD_VALUE');
  });

  it('refuses rows wider than the table, naming their line and byte', () => {
    const wide = fail(() => text('1 2 3\n4 5 6\n7 8 9 10\n'));
    expect(wide).toMatchObject({ code: 'BAD_VALUE', offset: 12, line: 3 });
    expect(wide.message).toBe('XYZ at byte 12 (line 3): row has 4 columns where the first row has 3: the rows do not form one table [BAD_VALUE]');
    expect(fail(() => text('X,Y,Z\n1,2,3\n4,5,6,7\n'))).toMatchObject({ line: 3, reason: expect.stringMatching(/where the header row names 3/) });
    // A cut-off last row has fewer columns, never more.
    expect(fail(() => text('1 2 3\n4 5 6 7'))).toMatchObject({ line: 2 });
  });

  it('refuses more than 256 columns instead of dropping the rest', () => {
    const row = Array.from({ length: 300 }, (_, i) => i).join(' ');
    expect(fail(() => text(`${row}\n${row}\n`))).toMatchObject({ code: 'UNSUPPORTED', line: 1, reason: expect.stringMatching(/more than 256 columns/) });
    const names = Array.from({ length: 300 }, (_, i) => (i < 3 ? 'xyz'[i] : `f${i}`)).join(' ');
    expect(fail(() => text(`${names}\n${row}\n`))).toMatchObject({ code: 'UNSUPPORTED', line: 1 });
    expect(fail(() => text(`1 2 3\n${row}\n`))).toMatchObject({ code: 'BAD_VALUE', line: 2, reason: expect.stringMatching(/more than 256 columns where the first row has 3/) });
  });

  it('names the line of a header row without X, Y and Z, of a cell that is not a number, and of a grid header after comments', () => {
    expect(fail(() => text('# export\nA,B,C\n1,2,3\n'))).toMatchObject({ code: 'BAD_HEADER', offset: 9, line: 2 });
    expect(fail(() => text('1 2 3\n4 x 6\n'))).toMatchObject({ code: 'BAD_VALUE', offset: 8, line: 2, reason: 'column 2 of the row is not a number' });
    expect(fail(() => text('# made by GIS\nNCOLS 3\nNROWS 3\n'))).toMatchObject({ code: 'UNSUPPORTED', line: 2 });
    expect(fail(() => text('north: 10\nsouth: 0\n'))).toMatchObject({ code: 'UNSUPPORTED', reason: expect.stringMatching(/GRASS ASCII grid/) });
  });

  it('grows past its first size estimate', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => (i < 10 ? `${i} ${i} ${i} ${'0'.repeat(200)}` : `${i} 0 0 1`)).join('\n');
    const cloud = text(rows);
    expect(cloud.count).toBe(5000);
    expect(cloud.positions[4999 * 3]).toBe(4999);
  });

  it('stops at the point limit', () => {
    const rows = Array.from({ length: 100 }, (_, i) => `${i} 0 0`).join('\n');
    expect(fail(() => readText(enc(rows), limitsOf({ maxPoints: 50 }), {})).code).toBe('TOO_LARGE');
  });
});

describe('OBJ', () => {
  it('reads v lines as points, with optional weight and 0..1 colours', () => {
    const cloud = obj('# c\nv 1 2 3 1 0.5 0\nv 4 5 6 1.0 0 1 0.2\nvn 0 0 1\nf 1 2 1\n');
    expect([...cloud.positions]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...cloud.colors!]).toEqual([255, 128, 0, 0, 255, 51]);
    expect(cloud.comments).toEqual(['c']);
  });

  it('takes colours above 1 as 0..255', () => {
    expect([...obj('v 0 0 0 200 100 0\n').colors!]).toEqual([200, 100, 0]);
  });

  it('accepts face, line and point references of every form, including relative ones', () => {
    expect(obj('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1/1/1 2//2 3/3\nf -1 -2 -3\nl 1 2\np 3\n').count).toBe(3);
  });

  it.each([
    ['a face with two vertices', 'v 0 0 0\nv 1 1 1\nf 1 2\n', /"f" element has 2/],
    ['an empty point element', 'v 0 0 0\np\n', /"p" element has 0/],
    ['a zero index', 'v 0 0 0\nv 1 1 1\nv 2 2 2\nf 0 1 2\n', /not a non-zero integer/],
    ['a relative index before the start', 'v 0 0 0\nf -1 -2 -3\n', /before the first vertex/],
    ['an index past the last vertex', 'v 0 0 0\nv 1 1 1\nv 2 2 2\nf 1 2 9\n', /refers to vertex 9/],
    ['a vertex with two coordinates', 'v 1 2\n', /fewer than 3/],
    ['a vertex with a word', 'v 1 a 2\n', /not a number/],
  ])('refuses %s', (_name, s, reason) => {
    const e = fail(() => obj(s));
    expect(e.code).toBe('BAD_VALUE');
    expect(e.message).toMatch(reason);
  });
});
