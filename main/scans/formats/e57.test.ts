import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PointCloud } from '../../../common/point-cloud';
import { mergeE57Scans, readE57, type E57File } from './e57';
import { buildE57, fixPageChecksums, packFloats, packInts, packStrings, type TestField, type TestScan } from './e57-test-writer';
import { ScanFormatError } from './errors';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const samplesDir = path.resolve(repoRoot, '../shared/samples/scans');

interface Expected {
  file: string;
  format: string;
  expect: string;
  points: number;
  bbox: { min: number[]; max: number[] } | null;
  centroid: number[] | null;
  tolerance: { relative: number; absolute: number };
  note?: string;
}

const expected = (JSON.parse(readFileSync(path.join(samplesDir, 'expected.json'), 'utf8')) as Expected[]).filter((e) => e.file.startsWith('e57/'));
const sample = (name: string) => new Uint8Array(readFileSync(path.join(samplesDir, 'e57', name)));

function stats(cloud: PointCloud) {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  const sum = [0, 0, 0];
  for (let i = 0; i < cloud.count; i++) {
    for (let a = 0; a < 3; a++) {
      const v = cloud.positions[3 * i + a]!;
      sum[a]! += v;
      if (v < min[a]!) min[a] = v;
      if (v > max[a]!) max[a] = v;
    }
  }
  return { min, max, centroid: sum.map((s) => s / cloud.count) };
}

function expectClose(actual: number[], wanted: number[], tol: { relative: number; absolute: number }, what: string) {
  wanted.forEach((w, i) => {
    const a = actual[i]!;
    const allowed = tol.absolute + tol.relative * Math.abs(w);
    expect(Math.abs(a - w), `${what}[${i}]: ${a} vs ${w}`).toBeLessThanOrEqual(allowed);
  });
}

function expectScanError(fn: () => unknown, code: string): ScanFormatError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScanFormatError);
    const e = err as ScanFormatError;
    expect(e.code, e.message).toBe(code);
    expect(e.format).toBe('e57');
    return e;
  }
  throw new Error(`expected a ${code} ScanFormatError`);
}

describe('E57 samples (shared/samples/scans/expected.json)', () => {
  it('lists the e57 samples', () => {
    expect(expected.length).toBeGreaterThanOrEqual(11);
  });

  for (const e of expected) {
    it(`${e.file}: ${e.note ?? ''}`, () => {
      expect(e.expect).toBe('ok');
      const file = readE57(sample(path.basename(e.file)));
      expect(file.version).toBe('1.0');
      const cloud = mergeE57Scans(file, { applyPose: false });
      expect(cloud.format).toBe('e57');
      expect(cloud.units).toBe('m');
      expect(cloud.count).toBe(e.points);
      expect(cloud.positions.length).toBe(3 * e.points);
      if (e.points === 0) {
        expect(e.bbox).toBeNull();
        return;
      }
      const s = stats(cloud);
      expectClose(s.min, e.bbox!.min, e.tolerance, 'bbox.min');
      expectClose(s.max, e.bbox!.max, e.tolerance, 'bbox.max');
      expectClose(s.centroid, e.centroid!, e.tolerance, 'centroid');
    });
  }
});

describe('E57 sample details', () => {
  it('counts Image2D entries and reports scan metadata', () => {
    const file = readE57(sample('cryinc__tiny_pc_and_images.e57'));
    expect(file.images).toBe(4);
    expect(file.scans).toHaveLength(1);
    expect(file.scans[0]!.pose).toBeNull();
    expect(file.guid).toBe('{60FF9C92-8449-46D3-2346-5D99A325ACBB}');
    expect(file.scans[0]!.cloud.sourceApp).toBe('E57Format-3.0.0-AMD64_64-vc1937');
  });

  it('reads an E57 with no Data3D as zero scans', () => {
    const file = readE57(sample('cryinc__empty.e57'));
    expect(file.scans).toHaveLength(0);
    expect(file.images).toBe(0);
    const merged = mergeE57Scans(file, { applyPose: true });
    expect(merged.count).toBe(0);
    expect(merged.colors).toBeUndefined();
  });

  it('normalises integer colours to 0..255 using the colour limits', () => {
    const cloud = mergeE57Scans(readE57(sample('e57testdata__ColouredCubeFloat.e57')), { applyPose: false });
    expect(cloud.colors).toBeInstanceOf(Uint8Array);
    expect(cloud.colors!.length).toBe(3 * cloud.count);
    expect(Math.max(...cloud.colors!)).toBe(255);
  });

  it('maps integer intensity through its limits to 0..65535', () => {
    // intensity field -66..66 with intensityLimits -66..66; the two records are the extremes.
    const cloud = readE57(sample('cryinc__integer_intensity.e57')).scans[0]!.cloud;
    expect([...cloud.intensity!]).toEqual([0, 65535]);
  });

  it('reads surface normals from the E57_EXT_surface_normals extension', () => {
    const cloud = readE57(sample('pye57__testWithNormals.e57')).scans[0]!.cloud;
    expect(cloud.normals).toBeInstanceOf(Float32Array);
    expect(cloud.normals!.length).toBe(6);
    for (let i = 0; i < 2; i++) {
      const n = cloud.normals!.subarray(3 * i, 3 * i + 3);
      expect(Math.hypot(n[0]!, n[1]!, n[2]!)).toBeCloseTo(1, 5);
    }
  });

  it('leaves out points with a non-zero cartesianInvalidState', () => {
    const file = readE57(sample('cryinc__cartesian_invalid_state_single.e57'));
    expect(file.scans[0]!.cloud.count).toBe(1);
    expect([...file.scans[0]!.cloud.positions]).toEqual([-1, -2, -3]);
  });

  it('reports progress up to 1', () => {
    const seen: number[] = [];
    readE57(sample('cryinc__bunnyFloat.e57'), { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});

describe('E57 pose', () => {
  it('applies the translation of pye57__translationWithoutRotation.e57 (its header cartesianBounds include it)', () => {
    const file = readE57(sample('pye57__translationWithoutRotation.e57'));
    expect(file.scans[0]!.pose).toEqual({ rotation: [1, 0, 0, 0], translation: [4, 5, 6] });
    const local = stats(mergeE57Scans(file, { applyPose: false }));
    expect(local.min).toEqual([0, 0, 0]);
    expect(local.max).toEqual([1, 1, 0]);
    // MANIFEST.md: header cartesianBounds (4, 5, 6) / (5, 6, 6).
    const posed = stats(mergeE57Scans(file, { applyPose: true }));
    expect(posed.min).toEqual([4, 5, 6]);
    expect(posed.max).toEqual([5, 6, 6]);
  });

  it('rotates, then translates, points and normals', () => {
    const s = Math.SQRT1_2; // 90° about +z: (x, y, z) → (−y, x, z)
    const bytes = buildE57({
      scans: [
        {
          recordCount: 2,
          extraXml: `<pose type="Structure"><rotation type="Structure"><w type="Float">${s}</w><x type="Float"/><y type="Float"/><z type="Float">${s}</z></rotation>
            <translation type="Structure"><x type="Float">10</x><y type="Float">0</y><z type="Float">-1</z></translation></pose>`,
          fields: [
            ...xyz([[1, 0, 0], [0, 2, 3]]),
            { xml: '<nor:normalX type="Float" precision="single"/>', bytes: packFloats([1, 0], 'single') },
            { xml: '<nor:normalY type="Float" precision="single"/>', bytes: packFloats([0, 1], 'single') },
            { xml: '<nor:normalZ type="Float" precision="single"/>', bytes: packFloats([0, 0], 'single') },
          ],
        },
      ],
    });
    const file = readE57(bytes);
    const posed = mergeE57Scans(file, { applyPose: true });
    expectClose([...posed.positions], [10, 1, -1, 8, 0, 2], { relative: 0, absolute: 1e-12 }, 'positions');
    expectClose([...posed.normals!], [0, 1, 0, -1, 0, 0], { relative: 0, absolute: 1e-6 }, 'normals');
    const local = mergeE57Scans(file, { applyPose: false });
    expect([...local.positions]).toEqual([1, 0, 0, 0, 2, 3]);
  });

  it('rejects a zero rotation quaternion only when the pose is applied', () => {
    const bytes = buildE57({
      scans: [
        {
          recordCount: 1,
          extraXml: '<pose type="Structure"><rotation type="Structure"><w type="Float"/><x type="Float"/><y type="Float"/><z type="Float"/></rotation></pose>',
          fields: xyz([[1, 2, 3]]),
        },
      ],
    });
    const file = readE57(bytes);
    expect(mergeE57Scans(file, { applyPose: false }).count).toBe(1);
    expectScanError(() => mergeE57Scans(file, { applyPose: true }), 'BAD_VALUE');
  });
});

/** cartesianX/Y/Z double fields holding `points`. */
function xyz(points: [number, number, number][]): TestField[] {
  return [0, 1, 2].map((a) => ({
    xml: `<cartesian${'XYZ'[a]} type="Float"/>`,
    bytes: packFloats(
      points.map((p) => p[a]!),
      'double',
    ),
  }));
}

describe('E57 encodings beyond the samples', () => {
  it('converts spherical coordinates (range, azimuth, elevation) to cartesian', () => {
    const r = [1, 2, 3];
    const az = [0, Math.PI / 2, Math.PI];
    const el = [0, 0, Math.PI / 2];
    const file = readE57(
      buildE57({
        scans: [
          {
            recordCount: 3,
            fields: [
              { xml: '<sphericalRange type="Float"/>', bytes: packFloats(r, 'double') },
              { xml: '<sphericalAzimuth type="Float"/>', bytes: packFloats(az, 'double') },
              { xml: '<sphericalElevation type="Float"/>', bytes: packFloats(el, 'double') },
            ],
          },
        ],
      }),
    );
    expectClose([...file.scans[0]!.cloud.positions], [1, 0, 0, 0, 2, 0, 0, 0, 3], { relative: 0, absolute: 1e-12 }, 'positions');
  });

  it('drops spherical points with a non-zero sphericalInvalidState', () => {
    const file = readE57(
      buildE57({
        scans: [
          {
            recordCount: 3,
            fields: [
              { xml: '<sphericalRange type="ScaledInteger" minimum="0" maximum="1000" scale="0.01"/>', bytes: packInts([100, 200, 300], 0n, 10) },
              { xml: '<sphericalAzimuth type="Float" precision="single"/>', bytes: packFloats([0, 0, 0], 'single') },
              { xml: '<sphericalElevation type="Float" precision="single"/>', bytes: packFloats([0, 0, 0], 'single') },
              { xml: '<sphericalInvalidState type="Integer" minimum="0" maximum="2"/>', bytes: packInts([0, 1, 2], 0n, 2) },
            ],
          },
        ],
      }),
    );
    expect([...file.scans[0]!.cloud.positions]).toEqual([1, 0, 0]);
  });

  it('reassembles odd-width scaled integers spread over many packets with empty and index packets between', () => {
    const n = 5000;
    const raw = Array.from({ length: n }, (_, i) => ((i * 7919) % 524288) - 262144);
    const scan: TestScan = {
      recordCount: n,
      packetBytes: 37,
      fillerPackets: true,
      fields: ['X', 'Y', 'Z'].map((axis, a) => ({
        xml: `<cartesian${axis} type="ScaledInteger" minimum="-262144" maximum="262143" scale="0.000001" offset="${a}"/>`,
        bytes: packInts(
          raw.map((v) => ((v + 262144 + a * 1000) % 524288) - 262144),
          -262144n,
          19,
        ),
      })),
    };
    scan.fields.push({ xml: '<rowIndex type="Integer" minimum="0" maximum="4999"/>', bytes: packInts([...Array(n).keys()], 0n, 13) });
    scan.fields.push({ xml: '<timeStamp type="Float"/>', bytes: packFloats([...Array(n).keys()].map((i) => i / 2), 'double') });
    scan.fields.push({ xml: '<label type="String"/>', bytes: packStrings([...Array(n).keys()].map((i) => `p${i}`)) });
    const cloud = readE57(buildE57({ scans: [scan], pageSize: 256 })).scans[0]!.cloud;
    expect(cloud.count).toBe(n);
    for (const i of [0, 1, 2, 1234, n - 1]) {
      for (let a = 0; a < 3; a++) {
        const v = ((raw[i]! + 262144 + a * 1000) % 524288) - 262144;
        expect(cloud.positions[3 * i + a]).toBeCloseTo(v * 0.000001 + a, 9);
      }
    }
    const row = cloud.extras.find((e) => e.name === 'rowIndex')!;
    expect(row.values).toBeInstanceOf(Int32Array);
    expect(row.values[4321]).toBe(4321);
    const time = cloud.extras.find((e) => e.name === 'timeStamp')!;
    expect(time.values).toBeInstanceOf(Float64Array);
    expect(time.values[11]).toBe(5.5);
    expect(cloud.extras.map((e) => e.name)).not.toContain('label');
  });

  it('keeps fields of nested prototype structures as extras named by their path', () => {
    const cloud = readE57(
      buildE57({
        scans: [
          {
            recordCount: 2,
            fields: [
              ...xyz([
                [1, 2, 3],
                [4, 5, 6],
              ]),
              { xml: '<sensor type="Structure"><gain type="Float" precision="single"/></sensor>', bytes: packFloats([0.5, 0.25], 'single') },
            ],
          },
        ],
      }),
    ).scans[0]!.cloud;
    expect(cloud.extras.map((e) => e.name)).toEqual(['sensor/gain']);
    expect([...cloud.extras[0]!.values]).toEqual([0.5, 0.25]);
  });

  it('decodes constant (0-bit) fields, which store no bytes', () => {
    const file = readE57(
      buildE57({
        scans: [
          {
            recordCount: 3,
            fields: [
              { xml: '<cartesianX type="Float"/>', bytes: packFloats([1, 2, 3], 'double') },
              { xml: '<cartesianY type="Integer" minimum="7" maximum="7"/>', bytes: new Uint8Array(0) },
              { xml: '<cartesianZ type="ScaledInteger" minimum="4" maximum="4" scale="0.5" offset="1"/>', bytes: new Uint8Array(0) },
            ],
          },
        ],
      }),
    );
    expect([...file.scans[0]!.cloud.positions]).toEqual([1, 7, 3, 2, 7, 3, 3, 7, 3]);
  });

  it('normalises float colours and intensity by their limits and blanks invalid ones', () => {
    const cloud = readE57(
      buildE57({
        scans: [
          {
            recordCount: 3,
            extraXml:
              '<intensityLimits type="Structure"><intensityMinimum type="Float">0</intensityMinimum><intensityMaximum type="Float">2</intensityMaximum></intensityLimits>',
            fields: [
              ...xyz([[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
              { xml: '<colorRed type="Float" precision="single" minimum="0" maximum="1"/>', bytes: packFloats([0, 0.5, 1], 'single') },
              { xml: '<colorGreen type="Float" precision="single" minimum="0" maximum="1"/>', bytes: packFloats([1, 0.5, 0], 'single') },
              { xml: '<colorBlue type="Float" precision="single" minimum="0" maximum="1"/>', bytes: packFloats([0.2, 0.2, 2], 'single') },
              { xml: '<isColorInvalid type="Integer" minimum="0" maximum="1"/>', bytes: packInts([0, 0, 1], 0n, 1) },
              { xml: '<intensity type="Float"/>', bytes: packFloats([0, 1, 2], 'double') },
              { xml: '<isIntensityInvalid type="Integer" minimum="0" maximum="1"/>', bytes: packInts([0, 1, 0], 0n, 1) },
            ],
          },
        ],
      }),
    ).scans[0]!.cloud;
    expect([...cloud.colors!]).toEqual([0, 255, 51, 128, 128, 51, 0, 0, 0]);
    expect([...cloud.intensity!]).toEqual([0, 0, 65535]);
  });

  it('merges several scans, keeping only attributes every scan has', () => {
    const colour = (v: number[]): TestField[] => [
      { xml: '<colorRed type="Integer" minimum="0" maximum="255"/>', bytes: packInts(v, 0n, 8) },
      { xml: '<colorGreen type="Integer" minimum="0" maximum="255"/>', bytes: packInts(v, 0n, 8) },
      { xml: '<colorBlue type="Integer" minimum="0" maximum="255"/>', bytes: packInts(v, 0n, 8) },
    ];
    const file = readE57(
      buildE57({
        scans: [
          { recordCount: 1, fields: [...xyz([[1, 1, 1]]), ...colour([9])], extraXml: '<name type="String">a</name>' },
          { recordCount: 0, fields: xyz([]) },
          {
            recordCount: 2,
            fields: [...xyz([[2, 2, 2], [3, 3, 3]]), ...colour([7, 8])],
            extraXml: '<pose type="Structure"><translation type="Structure"><x type="Float">100</x></translation></pose>',
          },
        ],
      }),
    );
    expect(file.scans.map((s) => s.name)).toEqual(['a', undefined, undefined]);
    expect(file.scans.map((s) => s.guid)).toEqual(['scan-0', 'scan-1', 'scan-2']);
    const merged = mergeE57Scans(file, { applyPose: true });
    expect(merged.count).toBe(3);
    expect([...merged.positions]).toEqual([1, 1, 1, 102, 2, 2, 103, 3, 3]);
    expect([...merged.colors!]).toEqual([9, 9, 9, 7, 7, 7, 8, 8, 8]);

    const noColour = readE57(
      buildE57({ scans: [{ recordCount: 1, fields: [...xyz([[1, 1, 1]]), ...colour([9])] }, { recordCount: 1, fields: xyz([[1, 1, 1]]) }] }),
    );
    expect(mergeE57Scans(noColour, { applyPose: false }).colors).toBeUndefined();
  });
});

describe('E57 errors', () => {
  const small = () => sample('pdal__A4.e57');

  it('fails with BAD_CHECKSUM naming the page when a byte inside a page changes', () => {
    for (const at of [100, 1500, 2500]) {
      const bytes = small();
      bytes[at]! ^= 0x01;
      const e = expectScanError(() => readE57(bytes), 'BAD_CHECKSUM');
      expect(e.offset).toBe(Math.floor(at / 1024) * 1024);
      expect(e.message).toContain(`at byte ${e.offset}`);
    }
  });

  it('fails with BAD_CHECKSUM when the stored CRC itself changes', () => {
    const bytes = small();
    bytes[1023]! ^= 0x80;
    expect(expectScanError(() => readE57(bytes), 'BAD_CHECKSUM').offset).toBe(0);
  });

  it('fails with TRUNCATED for files cut short', () => {
    const bytes = sample('cryinc__bunnyInt19.e57');
    for (const length of [0, 10, 47, 48, 1000, 1024, 50_000, bytes.length - 1]) {
      expectScanError(() => readE57(bytes.subarray(0, length)), 'TRUNCATED');
    }
  });

  it('fails with BAD_HEADER for something that is not E57', () => {
    const bytes = small();
    bytes.set([0x50, 0x4c, 0x59], 0);
    expectScanError(() => readE57(bytes), 'BAD_HEADER');
  });

  it('fails with BAD_HEADER for a nonsensical page size and UNSUPPORTED for E57 version 2', () => {
    const bad = small();
    new DataView(bad.buffer).setBigUint64(40, 3n, true);
    expectScanError(() => readE57(bad), 'BAD_HEADER');
    const v2 = buildE57({ scans: [], majorVersion: 2 });
    expectScanError(() => readE57(v2), 'UNSUPPORTED');
  });

  it('fails with COUNT_MISMATCH when recordCount claims more points than the data holds', () => {
    const lying = buildE57({ scans: [{ recordCount: 3, fields: xyz([[1, 1, 1], [2, 2, 2]]) }] });
    // 3 records of 3 doubles need 72 bytes; the section holds ~64, so this is caught before decoding.
    expectScanError(() => readE57(lying), 'COUNT_MISMATCH');
    // Here the bytes would fit, but the streams end early.
    const short: TestScan = {
      recordCount: 4,
      fields: [
        { xml: '<cartesianX type="Integer" minimum="0" maximum="255"/>', bytes: packInts([1, 2], 0n, 8) },
        { xml: '<cartesianY type="Integer" minimum="0" maximum="255"/>', bytes: packInts([1, 2], 0n, 8) },
        { xml: '<cartesianZ type="Integer" minimum="0" maximum="255"/>', bytes: packInts([1, 2], 0n, 8) },
      ],
    };
    expectScanError(() => readE57(buildE57({ scans: [short] })), 'COUNT_MISMATCH');
  });

  it('fails with TOO_LARGE above maxPoints, before allocating', () => {
    expectScanError(() => readE57(sample('cryinc__bunnyFloat.e57'), { maxPoints: 30_000 }), 'TOO_LARGE');
    const huge = buildE57({
      scans: [
        {
          recordCount: 4e15,
          fields: [
            { xml: '<cartesianX type="Integer" minimum="1" maximum="1"/>', bytes: new Uint8Array(0) },
            { xml: '<cartesianY type="Integer" minimum="1" maximum="1"/>', bytes: new Uint8Array(0) },
            { xml: '<cartesianZ type="Integer" minimum="1" maximum="1"/>', bytes: new Uint8Array(0) },
          ],
        },
      ],
    });
    expectScanError(() => readE57(huge), 'TOO_LARGE');
  });

  it('fails with COUNT_MISMATCH when constant-only records claim more than 1 bit each of the section', () => {
    const constant = (recordCount: number) =>
      buildE57({
        scans: [
          {
            recordCount,
            fields: ['X', 'Y', 'Z'].map((a) => ({ xml: `<cartesian${a} type="Integer" minimum="1" maximum="1"/>`, bytes: new Uint8Array(0) })),
          },
        ],
      });
    // The lone packet is 12 bytes: up to 96 records of 0 bits are accepted, a million are not.
    expect(readE57(constant(96)).scans[0]!.cloud.count).toBe(96);
    expectScanError(() => readE57(constant(1_000_000)), 'COUNT_MISMATCH');
  });

  it('fails with BAD_VALUE for malformed XML and structure', () => {
    const cases: [string, string][] = [
      ['<e57Root type="Structure"><data3D type="Vector">', 'not well-formed'],
      ['<other type="Structure"/>', 'root element'],
      ['<e57Root type="Structure"><data3D type="Structure"/></e57Root>', 'Vector'],
      ['<e57Root type="Structure"><x type="Integer">1.5</x></e57Root>', 'not an integer'],
      ['<e57Root type="Structure"><x type="Float">abc</x></e57Root>', 'not a number'],
      ['<e57Root type="Structure"><x type="Mystery"/></e57Root>', 'unknown type'],
      ['<e57Root type="Structure"><x type="Integer" minimum="5" maximum="1"/></e57Root>', 'exceeds maximum'],
      ['<e57Root type="Structure"><x type="Integer"/><x type="Integer"/></e57Root>', 'two children'],
      ['<e57Root type="Structure"><data3D type="Vector"><s type="Structure"/></data3D></e57Root>', 'no points'],
    ];
    for (const [xml, reason] of cases) {
      const e = expectScanError(() => readE57(withXml(xml)), 'BAD_VALUE');
      expect(e.message).toContain(reason);
    }
  });

  it('fails with UNSUPPORTED for unknown codecs and point records without coordinates', () => {
    const codec = buildE57({
      scans: [{ recordCount: 1, fields: xyz([[1, 1, 1]]), codecsXml: '<vectorChild type="Structure"><zipCodec type="Structure"/></vectorChild>' }],
    });
    expectScanError(() => readE57(codec), 'UNSUPPORTED');
    const noXyz = buildE57({ scans: [{ recordCount: 1, fields: [{ xml: '<intensity type="Float"/>', bytes: packFloats([1], 'double') }] }] });
    expectScanError(() => readE57(noXyz), 'UNSUPPORTED');
  });

  it('fails with BAD_HEADER for a damaged CompressedVector section header', () => {
    const wrongId = buildE57({ scans: [{ recordCount: 1, fields: xyz([[1, 1, 1]]) }] });
    wrongId[48] = 3; // the section header follows the 48-byte file header
    fixPageChecksums(wrongId);
    expect(expectScanError(() => readE57(wrongId), 'BAD_HEADER').offset).toBe(48);
    const dataOutside = buildE57({ scans: [{ recordCount: 1, fields: xyz([[1, 1, 1]]) }] });
    new DataView(dataOutside.buffer).setBigUint64(48 + 16, 20n, true); // dataPhysicalOffset inside the file header
    fixPageChecksums(dataOutside);
    expect(expectScanError(() => readE57(dataOutside), 'BAD_HEADER').offset).toBe(48 + 16);
    const intoChecksum = buildE57({ scans: [{ recordCount: 1, fields: xyz([[1, 1, 1]]) }] });
    new DataView(intoChecksum.buffer).setBigUint64(48 + 16, 1021n, true); // a page's CRC bytes
    fixPageChecksums(intoChecksum);
    expect(expectScanError(() => readE57(intoChecksum), 'BAD_VALUE').message).toContain('checksum');
  });

  it('fails with BAD_VALUE for packets that do not match the prototype', () => {
    const base = (): TestScan => ({ recordCount: 1, fields: xyz([[1, 1, 1]]) });
    expectScanError(() => readE57(buildE57({ scans: [{ ...base(), streamCountOverride: 2 }] })), 'BAD_VALUE');
    expectScanError(() => readE57(buildE57({ scans: [{ ...base(), firstPacketType: 9 }] })), 'BAD_VALUE');
  });
});

/** A valid file whose XML section is replaced by `xml`. */
function withXml(xml: string): Uint8Array {
  const text = new TextEncoder().encode(xml);
  const pageSize = 1024;
  const logical = new Uint8Array(48 + text.length);
  logical.set(text, 48);
  const pages = Math.ceil(logical.length / (pageSize - 4));
  const out = new Uint8Array(pages * pageSize);
  for (let p = 0; p < pages; p++) out.set(logical.subarray(p * (pageSize - 4), (p + 1) * (pageSize - 4)), p * pageSize);
  out.set(new TextEncoder().encode('ASTM-E57'), 0);
  const v = new DataView(out.buffer);
  v.setUint32(8, 1, true);
  v.setBigUint64(16, BigInt(out.length), true);
  v.setBigUint64(24, 48n, true);
  v.setBigUint64(32, BigInt(text.length), true);
  v.setBigUint64(40, BigInt(pageSize), true);
  fixPageChecksums(out, pageSize);
  return out;
}

describe('E57 fuzz (seeded)', () => {
  const names = expected.map((e) => path.basename(e.file));
  const originals = names.map(sample);

  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('ends every mutated file in a result or a ScanFormatError, quickly', () => {
    const random = rng(0xe57);
    const int = (n: number) => Math.floor(random() * n);
    const outcomes = { ok: 0, errors: new Map<string, number>() };
    const CASES = 2000;
    for (let c = 0; c < CASES; c++) {
      const which = int(originals.length);
      const original = originals[which]!;
      let bytes = original.slice();
      const mode = c % 4;
      if (mode === 0) {
        // Raw bit flips: mostly caught by the page checksums.
        for (let k = 1 + int(4); k > 0; k--) bytes[int(bytes.length)]! ^= 1 << int(8);
      } else if (mode === 1) {
        // Truncation anywhere.
        bytes = bytes.slice(0, int(bytes.length));
      } else {
        // Bit flips or byte overwrites with the checksums repaired, so the parser sees the damage:
        // mode 2 anywhere, mode 3 within the last pages (the XML section in every sample).
        const from = mode === 3 ? Math.max(0, bytes.length - 3 * 1024) : 0;
        for (let k = 1 + int(6); k > 0; k--) {
          const at = from + int(bytes.length - from);
          if (random() < 0.5) bytes[at]! ^= 1 << int(8);
          else bytes[at] = [0, 0xff, 0x3c, 0x22, 0x30, 0x39, 0x7f][int(7)]!;
        }
        fixPageChecksums(bytes);
      }
      const started = performance.now();
      let result: E57File | undefined;
      try {
        result = readE57(bytes);
        mergeE57Scans(result, { applyPose: false });
        outcomes.ok++;
      } catch (err) {
        if (!(err instanceof ScanFormatError)) {
          throw new Error(`case ${c} (${names[which]}, mode ${mode}) threw ${String(err)}`, { cause: err });
        }
        outcomes.errors.set(err.code, (outcomes.errors.get(err.code) ?? 0) + 1);
      }
      const elapsed = performance.now() - started;
      expect(elapsed, `case ${c} (${names[which]}, mode ${mode}) took ${elapsed} ms`).toBeLessThan(2000);
      if (result) for (const s of result.scans) expect(s.cloud.positions.length).toBe(3 * s.cloud.count);
    }
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.errors.get('BAD_CHECKSUM')).toBeGreaterThan(0);
    expect(outcomes.errors.get('TRUNCATED')).toBeGreaterThan(0);
  }, 120_000);
});
