/**
 * The workstation's own TLS identity: one self-signed ECDSA P-256 certificate, made on first start
 * and kept. The private key lives only in the keychain (KeyStore, PKCS#8 DER); the certificate
 * (public) is a PEM file in the data dir. Tablets pin the certificate's SHA-256 from the pairing QR
 * code, so no CA is involved and the fingerprint must stay stable across restarts.
 *
 * node:crypto makes the key and the signature; @peculiar/asn1-x509 encodes the X.509 structure.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { LanError } from './errors';
import type { KeyStore, LanLogger } from './types';

export const TLS_KEY_ACCOUNT = 'lan-tls-key';
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const VALIDITY_YEARS = 20;

export interface TlsIdentity {
  keyPem: string;
  certPem: string;
  /** Upper-case colon hex SHA-256 of the DER certificate. */
  fingerprint: string;
  /** True when this call created it (first start, or the old one was unusable). */
  created: boolean;
}

/** SHA-256 of a DER certificate, upper-case colon hex (the same string as Node's `fingerprint256`). */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** "ab:CD…" or "abcd…" → "AB:CD:…", so fingerprints from QR codes, logs and Node compare equal. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? '';
}

function der(o: unknown): Buffer {
  return Buffer.from(AsnConvert.serialize(o));
}

function ext(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(der(value)) });
}

/**
 * Random bytes as a certificate serial number: a positive DER INTEGER in minimal form, i.e. the
 * first byte 0x01–0x7f. (Clearing only the top bit left a leading 0x00 one time in 256, which
 * OpenSSL refuses as "illegal padding": the workstation's first start then failed.)
 */
export function certificateSerial(random: Buffer): Buffer<ArrayBuffer> {
  const serial = Buffer.alloc(random.length);
  random.copy(serial);
  serial[0] = serial[0]! & 0x7f || 0x01;
  return serial;
}

/** A self-signed serverAuth certificate for `key`, valid from an hour ago for VALIDITY_YEARS. */
export function createSelfSignedCertificate(key: KeyObject, opts: { commonName: string; dnsNames?: string[]; ipAddresses?: string[]; now?: Date }): string {
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const name = new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: opts.commonName }) })])]);
  const spki = AsnConvert.parse(createPublicKey(key).export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const serial = certificateSerial(randomBytes(16));
  const altNames = [...(opts.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })), ...(opts.ipAddresses ?? []).map((iPAddress) => new GeneralName({ iPAddress }))];
  const keyUsage = new KeyUsage(KeyUsageFlags.digitalSignature);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: name,
    validity: new Validity({ notBefore, notAfter }),
    subject: name,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions([
      ext(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
      ext(id_ce_keyUsage, true, keyUsage),
      ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])),
      ...(altNames.length ? [ext(id_ce_subjectAltName, false, new SubjectAlternativeName(altNames))] : []),
    ]),
  });
  const tbsDer = der(tbs);
  const signature = sign('sha256', tbsDer, { key, dsaEncoding: 'der' });
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength),
  });
  const b64 = der(cert).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The stored identity is usable when the certificate parses, is in date and matches the key. */
function usable(key: KeyObject, certPem: string, now: Date): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (new Date(cert.validTo).getTime() < now.getTime() + 30 * 86400_000) return false;
    return cert.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/**
 * Loads the workstation's TLS identity, creating it the first time (or when the stored one is
 * unusable: missing key, missing or foreign certificate, near expiry). A new identity changes the
 * fingerprint, so paired tablets must pair again; that is logged as a warning.
 */
export async function loadOrCreateTlsIdentity(deps: { keyStore: KeyStore; certPath: string; logger: LanLogger; commonName?: string; now?: Date }): Promise<TlsIdentity> {
  const now = deps.now ?? new Date();
  const [keyDer, certPem] = await Promise.all([deps.keyStore.get(TLS_KEY_ACCOUNT), readIfExists(deps.certPath)]);
  let key: KeyObject | null = null;
  if (keyDer) {
    try {
      key = createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' });
    } catch {
      key = null;
    }
  }
  if (key && certPem && usable(key, certPem, now)) {
    return { keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem, fingerprint: certificateFingerprint(certPem), created: false };
  }
  if (keyDer || certPem) deps.logger.warn('lan.tls.replaced', { reason: !key ? 'key_missing_or_invalid' : !certPem ? 'certificate_missing' : 'certificate_unusable' });

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const newCert = createSelfSignedCertificate(privateKey, { commonName: deps.commonName ?? 'Coherency Workstation', dnsNames: ['localhost'] });
  if (!usable(privateKey, newCert, now)) throw new LanError('CERTIFICATE_INVALID', 'The generated TLS certificate does not verify against its key.');
  // Key first: a certificate on disk without its key in the keychain would be replaced next start anyway.
  await deps.keyStore.set(TLS_KEY_ACCOUNT, privateKey.export({ type: 'pkcs8', format: 'der' }));
  await mkdir(dirname(deps.certPath), { recursive: true });
  const tmp = `${deps.certPath}.${process.pid}.tmp`;
  await writeFile(tmp, newCert, { mode: 0o644 });
  await rename(tmp, deps.certPath);
  const fingerprint = certificateFingerprint(newCert);
  deps.logger.info('lan.tls.created', { fingerprint });
  return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: newCert, fingerprint, created: true };
}
