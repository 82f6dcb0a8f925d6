import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateSerial, createSelfSignedCertificate, loadOrCreateTlsIdentity, normalizeFingerprint, TLS_KEY_ACCOUNT } from './certificate';
import { createMemoryKeyStore, createMemoryLogger } from './test-helpers';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cw-cert-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('workstation certificate', () => {
  it('is a self-signed ECDSA P-256 serverAuth certificate for its key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = createSelfSignedCertificate(privateKey, { commonName: 'Coherency Workstation', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe('CN=Coherency Workstation');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(publicKey)).toBe(true);
    expect(cert.checkPrivateKey(privateKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(cert.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 10 * 365 * 86400_000);
  });

  it('is created once: key in the keychain, certificate in the data dir, same fingerprint after', async () => {
    const keyStore = createMemoryKeyStore();
    const logger = createMemoryLogger();
    const certPath = join(dir, 'tls', 'cert.pem');
    const first = await loadOrCreateTlsIdentity({ keyStore, certPath, logger });
    expect(first.created).toBe(true);
    expect(keyStore.entries.get(TLS_KEY_ACCOUNT)?.length).toBeGreaterThan(100);
    const again = await loadOrCreateTlsIdentity({ keyStore, certPath, logger });
    expect(again).toMatchObject({ created: false, fingerprint: first.fingerprint, certPem: first.certPem });
    expect(logger.text()).not.toContain('PRIVATE KEY');
  });

  it('is replaced (and says so) when the key is gone or the certificate belongs to another key', async () => {
    const keyStore = createMemoryKeyStore();
    const logger = createMemoryLogger();
    const certPath = join(dir, 'cert.pem');
    const first = await loadOrCreateTlsIdentity({ keyStore, certPath, logger });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(certPath, createSelfSignedCertificate(privateKey, { commonName: 'other' }));
    const second = await loadOrCreateTlsIdentity({ keyStore, certPath, logger });
    expect(second.created).toBe(true);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    await keyStore.delete(TLS_KEY_ACCOUNT);
    const third = await loadOrCreateTlsIdentity({ keyStore, certPath, logger });
    expect(third.fingerprint).not.toBe(second.fingerprint);
    expect(logger.lines.filter((l) => l.message === 'lan.tls.replaced').map((l) => l.fields['reason'])).toEqual(['certificate_unusable', 'key_missing_or_invalid']);
  });

  it('serial numbers are positive minimal DER integers whatever the random bytes (OpenSSL refuses a padded one)', () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      for (const second of [0x00, 0x7f, 0x80]) {
        const random = Buffer.alloc(16, 0x5a);
        random[0] = first;
        random[1] = second;
        const serial = certificateSerial(random);
        expect(serial).toHaveLength(16);
        expect(serial[0], `from ${first}, ${second}`).toBeGreaterThanOrEqual(0x01);
        expect(serial[0], `from ${first}, ${second}`).toBeLessThanOrEqual(0x7f);
        expect(serial.subarray(1).equals(random.subarray(1))).toBe(true);
      }
    }
    // And certificates made with such serials parse: a run long enough to meet the old 1-in-256 case.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 600; i++) {
      const cert = new X509Certificate(createSelfSignedCertificate(privateKey, { commonName: 'serial test' }));
      expect(cert.serialNumber).toMatch(/^(?!00)[0-9A-F]{32}$/);
    }
  });

  it('normalises fingerprints to upper-case colon hex', () => {
    expect(normalizeFingerprint('ab:cd:EF')).toBe('AB:CD:EF');
    expect(normalizeFingerprint('abcdef')).toBe('AB:CD:EF');
  });
});
