import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ScanFormatError } from './errors';
import { readLas, rgbTo8Bit } from './las';
import { makeLas, type Point, type Vlr } from './las-test-writer';
import { unitFromWkt } from './las-georef';
import { limitsOf } from './options';

const samples = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), '..', 'shared', 'samples', 'scans');
const read = (bytes: Uint8Array, maxPoints?: number) => readLas(bytes, limitsOf(maxPoints ? { maxPoints } : {}));
async function fail(bytes: Uint8Array): Promise<ScanFormatError> {
  const e = await read(bytes).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(ScanFormatError);
  return e as ScanFormatError;
}

function geoKeys(keys: number[][]): Uint8Array {
  const words = [1, 1, 0, keys.length, ...keys.flat()];
  return new Uint8Array(new Uint16Array(words).buffer);
}

function extraDescriptor(name: string, type: number, options = 0, scale = 1, offset = 0, size = 0): Uint8Array {
  const d = new Uint8Array(192);
  const dv = new DataView(d.buffer);
  d[2] = type;
  d[3] = type === 0 ? size : options;
  d.set(new TextEncoder().encode(name), 4);
  for (let c = 0; c < 3; c++) {
    dv.setFloat64(112 + 8 * c, scale, true);
    dv.setFloat64(136 + 8 * c, offset, true);
  }
  return d;
}

const twoPoints: Point[] = [
  { x: 1000.5, y: 2000.25, z: 3.5, intensity: 10, cls: 2, gps: 1234.5, rgb: [65535, 32768, 0], nir: 77 },
  { x: 1001, y: 2001, z: -1, intensity: 20, cls: 6, gps: 99, rgb: [256, 512, 1024], nir: 88 },
];

describe('LAS point formats', () => {
  for (let pf = 0; pf <= 10; pf++) {
    it(`reads point format ${pf}`, async () => {
      const cloud = await read(makeLas({ pf, points: twoPoints }));
      expect(cloud.format).toBe('las');
      expect(cloud.version).toBe(pf > 5 ? '1.4' : '1.2');
      expect(cloud.count).toBe(2);
      expect([...cloud.positions]).toEqual([1000.5, 2000.25, 3.5, 1001, 2001, -1]);
      expect([...cloud.intensity!]).toEqual([10, 20]);
      expect([...cloud.classification!]).toEqual([2, 6]);
      const names = cloud.extras.map((e) => e.name);
      const hasGps = pf !== 0 && pf !== 2;
      expect(names.includes('gps_time')).toBe(hasGps);
      if (hasGps) expect([...cloud.extras.find((e) => e.name === 'gps_time')!.values]).toEqual([1234.5, 99]);
      const hasRgb = [2, 3, 5, 7, 8, 10].includes(pf);
      expect(cloud.colors !== undefined).toBe(hasRgb);
      if (hasRgb) expect([...cloud.colors!]).toEqual([255, 128, 0, 1, 2, 4]);
      expect(names.includes('nir')).toBe(pf === 8 || pf === 10);
      expect(cloud.sourceApp).toBe('Test Writer 1.0');
      expect(cloud.sourceDevice).toBe('Test System');
    });
  }

  it('keeps 8-bit colour stored in 16-bit fields as it is', () => {
    expect([...rgbTo8Bit(new Uint16Array([0, 17, 255]))]).toEqual([0, 17, 255]);
    expect([...rgbTo8Bit(new Uint16Array([0, 256, 65535]))]).toEqual([0, 1, 255]);
  });

  it('reads LAS 1.0, 1.1 and 1.3 headers', async () => {
    for (const minor of [0, 1, 3]) {
      const cloud = await read(makeLas({ minor, pf: 1, points: twoPoints }));
      expect(cloud.version).toBe(`1.${minor}`);
      expect(cloud.count).toBe(2);
    }
  });

  it('uses the 64-bit count of LAS 1.4 when the legacy count is 0', async () => {
    const cloud = await read(makeLas({ minor: 4, pf: 3, points: twoPoints, legacyCount: 0 }));
    expect(cloud.count).toBe(2);
  });
});

describe('LAS records and metadata', () => {
  it('decodes extra bytes from their descriptors: scaled, 2-component, 64-bit, undocumented, and the rest raw', async () => {
    const descriptors = new Uint8Array([
      ...extraDescriptor('height', 4, 0x18, 0.5, 10), // int16, scaled and offset
      ...extraDescriptor('pair', 11), // 2 × uint8
      ...extraDescriptor('big', 7), // uint64
      ...extraDescriptor('opaque', 0, 0, 1, 0, 2), // 2 undocumented bytes
    ]);
    const extra1 = [0xfe, 0xff, 3, 4, 1, 0, 0, 0, 1, 0, 0, 0, 7, 8, 42];
    const extra2 = [4, 0, 5, 6, 255, 255, 255, 255, 0, 0, 0, 0, 9, 9, 43];
    const cloud = await read(
      makeLas({ minor: 4, pf: 6, extraBytes: 15, points: [{ ...twoPoints[0]!, extra: extra1 }, { ...twoPoints[1]!, extra: extra2 }], vlrs: [{ user: 'LASF_Spec', id: 4, data: descriptors }] }),
    );
    const byName = Object.fromEntries(cloud.extras.map((e) => [e.name, e]));
    expect([...byName.height!.values]).toEqual([-2 * 0.5 + 10, 4 * 0.5 + 10]);
    expect(byName.pair!.size).toBe(2);
    expect([...byName.pair!.values]).toEqual([3, 4, 5, 6]);
    expect([...byName.big!.values]).toEqual([2 ** 32 + 1, 2 ** 32 - 1]);
    expect([...byName.opaque!.values]).toEqual([7, 8, 9, 9]);
    expect(byName.extra_bytes!.size).toBe(1);
    expect([...byName.extra_bytes!.values]).toEqual([42, 43]);
  });

  it('keeps undescribed extra bytes as raw bytes', async () => {
    const cloud = await read(makeLas({ pf: 0, extraBytes: 3, points: [{ x: 1000, y: 2000, z: 0, extra: [1, 2, 3] }] }));
    expect(cloud.extras).toHaveLength(1);
    expect(cloud.extras[0]).toMatchObject({ name: 'extra_bytes', size: 3 });
    expect([...cloud.extras[0]!.values]).toEqual([1, 2, 3]);
  });

  it('lists VLRs and EVLRs', async () => {
    const cloud = await read(makeLas({ pf: 6, points: twoPoints, vlrs: [{ user: 'vendor', id: 7, data: new Uint8Array(5) }], evlrs: [{ user: 'LASF_Spec', id: 65535, data: new Uint8Array(300) }] }));
    expect(cloud.vlrs).toEqual([
      { userId: 'vendor', recordId: 7, description: 'test record', length: 5, extended: false },
      { userId: 'LASF_Spec', recordId: 65535, description: '', length: 300, extended: true },
    ]);
  });

  it('takes units from the GeoTIFF keys and from WKT', async () => {
    const units = async (vlrs: Vlr[]) => (await read(makeLas({ pf: 1, points: twoPoints, vlrs }))).units;
    expect(await units([])).toBe('m');
    expect(await units([{ user: 'LASF_Projection', id: 34735, data: geoKeys([[1024, 0, 1, 1], [3072, 0, 1, 2994], [3076, 0, 1, 9002]]) }])).toBe('ft');
    expect(await units([{ user: 'LASF_Projection', id: 34735, data: geoKeys([[1024, 0, 1, 1], [3076, 0, 1, 9003]]) }])).toBe('us-ft');
    expect(await units([{ user: 'LASF_Projection', id: 34735, data: geoKeys([[1024, 0, 1, 2], [2048, 0, 1, 4326]]) }])).toBe('unknown');
    const wkt = 'PROJCS["NAD83 / Oregon GIC Lambert (ft)",GEOGCS["NAD83",UNIT["degree",0.0174532925199433]],PARAMETER["false_easting",1312335.958],UNIT["foot",0.3048,AUTHORITY["EPSG","9002"]]]\0';
    expect(await units([{ user: 'LASF_Projection', id: 2112, data: new TextEncoder().encode(wkt) }])).toBe('ft');
  });

  it('reads the unit of WKT1 compound and WKT2 systems', () => {
    expect(unitFromWkt('COMPD_CS["x",PROJCS["p",GEOGCS["g",UNIT["degree",0.01745]],UNIT["US survey foot",0.3048006096012192]],VERT_CS["v",UNIT["metre",1]]]')).toBe('us-ft');
    expect(unitFromWkt('PROJCRS["RGF93",BASEGEOGCRS["RGF93",ANGLEUNIT["degree",0.0174]],CONVERSION["c",PARAMETER["x",3,LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["E",east],AXIS["N",north],LENGTHUNIT["metre",1]]')).toBe('m');
    expect(unitFromWkt('PROJCRS["p",CS[Cartesian,2],AXIS["E",east,LENGTHUNIT["millimetre",0.001]],AXIS["N",north,LENGTHUNIT["millimetre",0.001]]]')).toBe('mm');
    expect(unitFromWkt('GEOGCS["WGS 84",UNIT["degree",0.0174532925199433]]')).toBe('unknown');
    expect(unitFromWkt('PROJCS["broken"')).toBeUndefined();
  });

  it('refuses malformed GeoTIFF key directories', async () => {
    const bad = async (keys: number[][], extra: Vlr[] = []) =>
      (await fail(makeLas({ pf: 1, points: twoPoints, vlrs: [{ user: 'LASF_Projection', id: 34735, data: geoKeys(keys) }, ...extra] }))).message;
    expect(await bad([[1024, 0, 1, 1], [0, 0, 0, 0]])).toMatch(/invalid key id 0/);
    expect(await bad([[1024, 1234, 1, 1]])).toMatch(/unknown tag/);
    expect(await bad([[3073, 34737, 40, 0]], [{ user: 'LASF_Projection', id: 34737, data: new Uint8Array(10) }])).toMatch(/GeoAsciiParams/);
    expect(await bad([[2057, 34736, 1, 3]], [{ user: 'LASF_Projection', id: 34736, data: new Uint8Array(16) }])).toMatch(/GeoDoubleParams/);
  });

  it('reports progress up to 1', async () => {
    const seen: number[] = [];
    await readLas(makeLas({ pf: 0, points: twoPoints }), limitsOf({ onProgress: (f) => seen.push(f) }));
    expect(seen.at(-1)).toBe(1);
  });
});

describe('LAS errors', () => {
  const good = () => makeLas({ pf: 3, points: twoPoints });
  const edit = (f: (dv: DataView, bytes: Uint8Array) => void) => {
    const bytes = good();
    f(new DataView(bytes.buffer), bytes);
    return bytes;
  };
  it.each([
    ['a short header', () => good().subarray(0, 100), 'TRUNCATED'],
    ['version 2.0', () => edit((dv) => dv.setUint8(24, 2)), 'UNSUPPORTED'],
    ['a header size below the minimum', () => edit((dv) => dv.setUint16(94, 100, true)), 'BAD_HEADER'],
    ['point data inside the header', () => edit((dv) => dv.setUint32(96, 10, true)), 'BAD_HEADER'],
    ['point format 11', () => edit((dv) => dv.setUint8(104, 11)), 'UNSUPPORTED'],
    ['point format 6 in LAS 1.2', () => edit((dv) => dv.setUint8(104, 6)), 'BAD_HEADER'],
    ['a record shorter than its format', () => edit((dv) => dv.setUint16(105, 20, true)), 'BAD_HEADER'],
    ['a zero scale', () => edit((dv) => dv.setFloat64(139, 0, true)), 'BAD_HEADER'],
    ['a NaN offset', () => edit((dv) => dv.setFloat64(163, NaN, true)), 'BAD_HEADER'],
    ['more records than bytes', () => edit((dv) => dv.setUint32(107, 3, true)), 'TRUNCATED'],
    ['a VLR count running into the points', () => edit((dv) => dv.setUint32(100, 1, true)), 'BAD_HEADER'],
    ['compression without a LASzip VLR', () => edit((dv) => dv.setUint8(104, 0x83)), 'BAD_HEADER'],
  ])('refuses %s', async (_name, make, code) => {
    const e = await fail(make());
    expect(e.code).toBe(code);
  });

  it('refuses a count over the limit', async () => {
    expect((await read(good(), 1).catch((e: unknown) => e)) as ScanFormatError).toMatchObject({ code: 'TOO_LARGE' });
  });

  it('refuses an EVLR that runs past the end', async () => {
    const bytes = makeLas({ pf: 6, points: twoPoints, evlrs: [{ user: 'x', id: 1, data: new Uint8Array(10) }] });
    expect((await fail(bytes.subarray(0, bytes.length - 5))).code).toBe('TRUNCATED');
  });
});

const laz = join(samples, 'laz', 'pdal__laszip-generated_with2bytespadding.laz');
describe.skipIf(!existsSync(laz))('LAZ', () => {
  it('reads a file, fails cleanly on corrupt compressed data, then reads again without leaking process listeners', async () => {
    const bytes = new Uint8Array(readFileSync(laz));
    const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    const first = await read(bytes);
    expect(first.format).toBe('laz');
    expect(first.count).toBe(1065);
    const broken = bytes.slice(0, Math.floor(bytes.length * 0.6));
    const e = await fail(broken);
    expect(e.format).toBe('laz');
    expect(['BAD_VALUE', 'TRUNCATED']).toContain(e.code);
    const again = await read(bytes);
    expect([...again.positions.subarray(0, 30)]).toEqual([...first.positions.subarray(0, 30)]);
    expect([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')]).toEqual(before);
  });
});

/**
 * Warnings on the shared third-party samples, each count checked against the records decoded
 * apart from our reader: the uncompressed files' record bytes read here directly, and the LAZ
 * file's classifications decoded by @loaders.gl/las (which reads LAS up to 1.3).
 */
describe.skipIf(!existsSync(join(samples, 'laz', 'lidR__MixedConifer.laz')))('LAS warnings on files from other tools', () => {
  /** Return number above number of returns, and the class of each record, from the raw bytes. */
  function rawRecords(bytes: Uint8Array): { above: number; classes: Map<number, number> } {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const pointOffset = dv.getUint32(96, true);
    const pf = bytes[104]! & 0x3f;
    const stride = dv.getUint16(105, true);
    const count = dv.getUint32(107, true) || Number(dv.getBigUint64(247, true));
    let above = 0;
    const classes = new Map<number, number>();
    for (let i = 0, p = pointOffset; i < count; i++, p += stride) {
      const r = bytes[p + 14]!;
      const [ret, of, cls] = pf < 6 ? [r & 7, (r >> 3) & 7, bytes[p + 15]! & 31] : [r & 15, r >> 4, bytes[p + 16]!];
      if (ret > of) above++;
      classes.set(cls, (classes.get(cls) ?? 0) + 1);
    }
    return { above, classes };
  }

  it.each([
    ['las/liblas__1.0_1.las', 1, []],
    ['las/pdal__1.1_1.las', 1, []],
    ['las/pdal__1.2_2.las', 1, []],
    ['las/potreeconv__5points_14.las', 0, [41, 42]],
    ['las/pdal__autzen.las', 0, []],
    ['las/laspy__simple1_4.las', 0, []],
  ] as const)('%s: return-number warning for %i records, reserved classes %j', async (file, above, reservedCodes) => {
    const bytes = new Uint8Array(readFileSync(join(samples, file)));
    const raw = rawRecords(bytes);
    expect(raw.above).toBe(above);
    const cloud = await read(bytes);
    const byCode = Object.fromEntries((cloud.warnings ?? []).map((w) => [w.code, w]));
    expect(byCode.LAS_RETURN_NUMBER_ABOVE_NUMBER_OF_RETURNS?.count ?? 0).toBe(raw.above);
    const reservedCount = reservedCodes.reduce((n, c) => n + (raw.classes.get(c) ?? 0), 0);
    expect(byCode.LAS_RESERVED_CLASSIFICATION?.count ?? 0).toBe(reservedCount);
    for (const c of reservedCodes) expect(byCode.LAS_RESERVED_CLASSIFICATION!.message).toContain(String(c));
  });

  it('a LAZ file decoded in batches: the reserved class 11 counted as @loaders.gl/las decodes it', async () => {
    const bytes = readFileSync(join(samples, 'laz', 'lidR__MixedConifer.laz'));
    const { parse } = await import('@loaders.gl/core');
    const { LASLoader } = await import('@loaders.gl/las');
    const theirs = await parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), LASLoader, { worker: false, las: { shape: 'mesh' } });
    const classes = theirs.attributes.classification?.value;
    expect(classes).toBeDefined();
    const elevens = Array.from(classes!).filter((c) => c === 11).length;
    expect(elevens).toBeGreaterThan(0);
    const cloud = await read(new Uint8Array(bytes));
    expect(cloud.count).toBeGreaterThan(10_000);
    expect(cloud.warnings).toEqual([
      { code: 'LAS_RESERVED_CLASSIFICATION', count: elevens, message: `classification code 11 is reserved in the ASPRS table for point format 1 (LAS 1.2): ${elevens} of ${cloud.count.toLocaleString('en-US')} points` },
    ]);
  });
});
