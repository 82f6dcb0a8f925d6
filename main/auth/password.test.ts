import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './password';

describe('scrypt passwords', () => {
  it('hashes with a per-user salt and stored parameters, and verifies', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery staple', a)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash and flags weaker ones for re-hashing', async () => {
    const weak = await hashPassword('pässwörd-ünïcode', { log2N: 12, r: 8, p: 1 });
    expect(await verifyPassword('pässwörd-ünïcode', weak)).toBe(true);
    // NFKC: the decomposed spelling of the same text is the same password.
    expect(await verifyPassword('pässwörd-ünïcode'.normalize('NFD'), weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12)), DEFAULT_SCRYPT)).toBe(false);
  });

  it('rejects malformed or absurd stored hashes without throwing', async () => {
    for (const bad of ['', 'plain', 'scrypt$30$8$1$AAAA$AAAA', 'bcrypt$2b$10$abc', 'scrypt$15$8$1$!!$!!']) expect(await verifyPassword('x', bad)).toBe(false);
  });
});
