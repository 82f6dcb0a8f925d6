import { describe, expect, it } from 'vitest';
import { ScanFormatError } from './errors';
import { readPointCloud, sniffFormat } from './read';
import { computeStats, toMillimetres } from './stats';

const enc = (s: string) => new TextEncoder().encode(s);

describe('format sniffing', () => {
  it.each([
    ['ply\nformat ascii 1.0\n', undefined, 'ply'],
    ['LASF' + '\0'.repeat(120), 'a.laz', 'las'],
    ['ASTM-E57' + '\0'.repeat(40), undefined, 'e57'],
    ['# hi\nv 1 2 3\n', 'scan.xyz', 'obj'],
    ['1 2 3\n', 'scan.obj.txt', 'xyz'],
    ['12\n1 2 3\n', undefined, 'pts'],
    ['1 2 3\n', 'scan.pts', 'pts'],
    ['# only a comment\n', 'scan.obj', 'obj'],
    ['# only a comment\n', 'scan.csv', 'xyz'],
  ])('%j (%s) is %s: content first, name second', (text, fileName, format) => {
    expect(sniffFormat(enc(text), fileName)).toBe(format);
  });

  it.each([
    ['a JPEG photo', [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46], 'photo'],
    ['a PNG image', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'photo'],
    ['a HEIC/HEIF photo', [0, 0, 0, 0x18, ...enc('ftypheic'), 0, 0, 0, 0], 'photo'],
    ['a video', [0, 0, 0, 0x18, ...enc('ftypisom'), 0, 0, 0, 0], 'video'],
    ['a PDF document', [...enc('%PDF-1.7\n%\xe2\xe3\n1 0 obj\n')], 'pdf'],
    ['a ZIP archive', [0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0], 'archive'],
    ['a DICOM image', [...new Array(128).fill(0), ...enc('DICM'), 2, 0], 'dicom'],
  ])('recognises %s as not a scan, whatever its name (issue 21 point 6)', (what, bytes, detected) => {
    let error: unknown;
    try {
      sniffFormat(new Uint8Array(bytes as number[]), 'scan.ply');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScanFormatError);
    expect(error).toMatchObject({ code: 'NOT_A_SCAN', detected, offset: 0, reason: `${what}, not a 3D scan` });
  });

  it('tells LAZ from LAS by the compression bit of the point format', () => {
    const bytes = new Uint8Array(227);
    bytes.set(enc('LASF'));
    bytes[104] = 0x83;
    expect(sniffFormat(bytes)).toBe('laz');
  });

  it.each([
    [new Uint8Array(0), 'TRUNCATED'],
    [enc('[Expe/PointSet/Binary/0.1]\nnofpoints 4\ndata\n\0\0\0'), 'UNSUPPORTED'],
    [new Uint8Array([1, 2, 0, 4, 5, 0, 0, 9]), 'UNKNOWN_FORMAT'],
    [enc('# nothing\n'), 'UNKNOWN_FORMAT'],
  ])('refuses unreadable input %#', (bytes, code) => {
    expect(() => sniffFormat(bytes, 'scan')).toThrow(ScanFormatError);
    try {
      sniffFormat(bytes, 'scan');
    } catch (e) {
      expect((e as ScanFormatError).code).toBe(code);
    }
  });

  it('refuses text that is not OBJ under an .obj name', () => {
    expect(() => sniffFormat(enc('1 2 3\n'), 'x.obj')).toThrow(/OBJ keyword/);
  });

  it('refuses input over the byte limit, and accepts an ArrayBuffer', async () => {
    await expect(readPointCloud(enc('1 2 3\n'), { maxBytes: 3 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    const cloud = await readPointCloud(enc('1 2 3\n').buffer as ArrayBuffer);
    expect(cloud.count).toBe(1);
  });

  it('sends E57 files to the E57 reader', async () => {
    await expect(readPointCloud(enc('ASTM-E57' + '\0'.repeat(40)))).rejects.toMatchObject({ name: 'ScanFormatError', format: 'e57' });
  });
});

describe('stats and units', () => {
  it('computes count, bbox and centroid in double precision, leaving out non-finite points', () => {
    const positions = new Float64Array([1e9 + 0.1, 0, -5, 1e9 + 0.3, 2, 5, NaN, 0, 0]);
    const stats = computeStats({ count: 3, positions });
    expect(stats.count).toBe(3);
    expect(stats.nonFinite).toBe(1);
    expect(stats.bbox).toEqual({ min: [1e9 + 0.1, 0, -5], max: [1e9 + 0.3, 2, 5] });
    expect(stats.centroid![0]).toBeCloseTo(1e9 + 0.2, 6);
    expect(stats.centroid!.slice(1)).toEqual([1, 0]);
  });

  it('has no bbox or centroid without points', () => {
    expect(computeStats({ count: 0, positions: new Float64Array(0) })).toEqual({ count: 0, bbox: null, centroid: null, nonFinite: 0 });
  });

  it('converts to millimetres from the stated unit, metres when none is stated', async () => {
    const cloud = await readPointCloud(enc('1 2 3\n'));
    expect(cloud.units).toBe('unknown');
    expect([...toMillimetres(cloud).positions]).toEqual([1000, 2000, 3000]);
    expect([...toMillimetres(cloud, { assume: 'cm' }).positions]).toEqual([10, 20, 30]);
    const feet = toMillimetres({ ...cloud, units: 'ft' });
    expect(feet.units).toBe('mm');
    expect(feet.positions[0]).toBeCloseTo(304.8, 10);
    expect(cloud.positions[0]).toBe(1);
  });
});
