import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, normalizeCode, PairingCodes } from './pairing';

describe('pairing codes', () => {
  it('are 8 characters from an alphabet without look-alikes, and only the latest one works', () => {
    expect(CODE_ALPHABET).not.toMatch(/[01ILO]/);
    const codes = new PairingCodes();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { code } = codes.issue();
      expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{8}$`));
      seen.add(code);
    }
    expect(seen.size).toBe(200);
    const first = codes.issue();
    const second = codes.issue();
    expect(codes.attempt('10.0.0.2', first.code)).toMatchObject({ ok: false, status: 403 });
    expect(codes.attempt('10.0.0.2', second.code)).toEqual({ ok: true });
    // Spent.
    expect(codes.attempt('10.0.0.2', second.code)).toMatchObject({ ok: false, status: 403 });
    expect(codes.active()).toBeNull();
  });

  it('expire after the configured time (410 for the right code, then nothing active)', () => {
    let now = 1_000_000;
    const codes = new PairingCodes({ ttlMs: 120_000, now: () => now });
    const { code, expiresAt } = codes.issue();
    expect(expiresAt.getTime()).toBe(1_120_000);
    expect(codes.active()).toEqual({ expiresAt });
    now += 120_000;
    expect(codes.active()).toBeNull();
    expect(codes.attempt('a', code)).toEqual({ ok: false, status: 410, error: 'code_expired' });
  });

  it('rate-limit wrong tries per address within a sliding minute', () => {
    let now = 0;
    const codes = new PairingCodes({ maxWrongPerAddress: 5, maxWrongPerCode: 100, now: () => now });
    const { code } = codes.issue();
    for (let i = 0; i < 5; i++) {
      now += 1000;
      expect(codes.attempt('a', 'WRONG234')).toMatchObject({ status: 403 });
    }
    expect(codes.attempt('a', code)).toEqual({ ok: false, status: 429, error: 'rate_limited', retryAfterS: 56 });
    expect(codes.attempt('b', 'WRONG234')).toMatchObject({ status: 403 });
    now = 61_001; // the first failure has left the window
    expect(codes.attempt('a', code)).toEqual({ ok: true });
  });

  it('invalidate the active code after N wrong tries from any address', () => {
    const codes = new PairingCodes({ maxWrongPerAddress: 100, maxWrongPerCode: 3 });
    const { code } = codes.issue();
    for (const addr of ['a', 'b', 'c']) expect(codes.attempt(addr, 'WRONG234')).toMatchObject({ status: 403 });
    expect(codes.active()).toBeNull();
    expect(codes.attempt('d', code)).toMatchObject({ status: 403 });
  });

  it('accept what people type: lower case, spaces and dashes', () => {
    expect(normalizeCode(' ab2c-d3ef ')).toBe('AB2CD3EF');
    const codes = new PairingCodes();
    const { code } = codes.issue();
    expect(codes.attempt('a', `${code.slice(0, 4).toLowerCase()} ${code.slice(4)}`)).toEqual({ ok: true });
  });

  it('refuse lengths outside 6–12', () => {
    expect(() => new PairingCodes({ codeLength: 4 })).toThrow(RangeError);
  });
});
