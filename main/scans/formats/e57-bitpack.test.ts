import { describe, expect, it } from 'vitest';
import { bitsNeeded, createFieldDecoder, type FieldDecoder } from './e57-bitpack';
import { crc32c } from './e57-crc32c';
import { packFloats, packInts, packStrings } from './e57-test-writer';
import type { E57Terminal } from './e57-xml';

/** Deterministic PRNG (mulberry32). */
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

/** Feeds `bytes` in random-sized chunks, then takes everything. */
function decodeAll(decoder: FieldDecoder, bytes: Uint8Array, random: () => number): number[] {
  const out: number[] = [];
  const scratch = new Float64Array(1 << 16);
  let pos = 0;
  while (pos < bytes.length) {
    const n = Math.min(bytes.length - pos, 1 + Math.floor(random() * 13));
    decoder.feed(bytes.subarray(pos, pos + n));
    pos += n;
    const k = decoder.pending;
    decoder.take(scratch, k);
    out.push(...scratch.subarray(0, k));
  }
  const k = decoder.pending;
  decoder.take(scratch, k);
  out.push(...scratch.subarray(0, k));
  return out;
}

const integer = (minimum: bigint, maximum: bigint): E57Terminal => ({ type: 'Integer', name: 'f', value: 0n, minimum, maximum });

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
  it('handles ranges that are not multiples of 8 bytes', () => {
    const bytes = new TextEncoder().encode('xx123456789yy');
    expect(crc32c(bytes, 2, 11)).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe('bitsNeeded', () => {
  it('is the bit length of maximum − minimum', () => {
    expect(bitsNeeded(0n, 0n)).toBe(0);
    expect(bitsNeeded(0n, 1n)).toBe(1);
    expect(bitsNeeded(0n, 2n)).toBe(2);
    expect(bitsNeeded(-66n, 66n)).toBe(8);
    expect(bitsNeeded(-262144n, 262143n)).toBe(19);
    expect(bitsNeeded(-(2n ** 63n), 2n ** 63n - 1n)).toBe(64);
  });
});

describe('integer bitpack decoder', () => {
  for (const bits of [1, 3, 8, 13, 19, 24, 25, 31, 32, 33, 45, 46, 52, 63, 64]) {
    it(`decodes ${bits}-bit values split across arbitrary chunks`, () => {
      const random = rng(bits);
      const minimum = bits === 64 ? -(2n ** 63n) : -5n;
      const maximum = minimum + (1n << BigInt(bits)) - 1n;
      // Values exact in a double: raw offsets below 2^53, plus both ends of the range when exact.
      const values: bigint[] = [];
      for (let i = 0; i < 500; i++) {
        const span = bits > 52 ? 2 ** 52 : 2 ** bits;
        values.push(minimum + BigInt(Math.floor(random() * span)));
      }
      values.push(minimum);
      if (bits <= 53) values.push(maximum);
      const decoder = createFieldDecoder(integer(minimum, maximum), values.length);
      const got = decodeAll(decoder, packInts(values, minimum, bits), random);
      expect(got).toEqual(values.map((v) => Number(v)));
      expect(decoder.done).toBe(true);
      expect(decoder.minBitsPerRecord).toBe(bits);
    });
  }

  it('applies scale and offset for ScaledInteger', () => {
    const field: E57Terminal = { type: 'ScaledInteger', name: 'x', value: 0n, minimum: -100n, maximum: 100n, scale: 0.001, offset: 10 };
    const raw = [-100, 0, 37, 100];
    const decoder = createFieldDecoder(field, raw.length);
    const got = decodeAll(decoder, packInts(raw, -100n, 8), rng(1));
    got.forEach((v, i) => expect(v).toBeCloseTo(raw[i]! * 0.001 + 10, 12));
  });

  it('stores nothing for constant fields and ignores stray bytes', () => {
    const decoder = createFieldDecoder(integer(7n, 7n), 3);
    expect(decoder.minBitsPerRecord).toBe(0);
    expect(decoder.done).toBe(true);
    decoder.feed(new Uint8Array([1, 2, 3]));
    const out = new Float64Array(3);
    expect(decoder.pending).toBe(3);
    decoder.take(out, 3);
    expect([...out]).toEqual([7, 7, 7]);
    expect(decoder.pending).toBe(0);
  });

  it('never decodes more than recordCount values', () => {
    const decoder = createFieldDecoder(integer(0n, 255n), 2);
    decoder.feed(new Uint8Array([1, 2, 3, 4]));
    expect(decoder.decoded).toBe(2);
    expect(decoder.pending).toBe(2);
  });
});

describe('float bitpack decoder', () => {
  for (const precision of ['single', 'double'] as const) {
    it(`decodes ${precision} floats split mid-value`, () => {
      const values = [0, -1.5, 3.25, 1e-3, -2e5, 123.456];
      const expected = precision === 'single' ? values.map((v) => Math.fround(v)) : values;
      const field: E57Terminal = { type: 'Float', name: 'f', value: 0, precision, minimum: -1e9, maximum: 1e9 };
      const decoder = createFieldDecoder(field, values.length);
      expect(decodeAll(decoder, packFloats(values, precision), rng(7))).toEqual(expected);
      expect(decoder.minBitsPerRecord).toBe(precision === 'single' ? 32 : 64);
    });
  }
});

describe('string bitpack decoder', () => {
  it('walks short and long length prefixes', () => {
    const values = ['', 'a', 'é'.repeat(70), 'x'.repeat(300), 'last'];
    const decoder = createFieldDecoder({ type: 'String', name: 's', value: '' }, values.length);
    const got = decodeAll(decoder, packStrings(values), rng(3));
    expect(got).toHaveLength(values.length);
    expect(got.every((v) => Number.isNaN(v))).toBe(true);
    expect(decoder.done).toBe(true);
  });
});
