/**
 * The clinic's report-signing identity and the PAdES signature. On first use a 2048-bit RSA key
 * and a self-signed X.509 certificate ("<clinic> report signing") are made; the private key lives
 * only in the OS keychain (vault: account `report-signing:<clinic id>`, PKCS#8 DER as hex), the
 * certificate (public) in the record's settings (`report_signing_certificate`). Every signature names
 * the signing doctor (signature name and reason) and the clinic (location).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import forge from 'node-forge';
import { type PDFDocument } from 'pdf-lib';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { P12Signer } from '@signpdf/signer-p12';
import { appendAudit, tables, type ClinicRecord } from '../records/index';
import type { KeyStore } from '../vault/index';

export const SIGNING_SETTINGS_KEY = 'report_signing_certificate';
export const signingAccount = (clinicId: string) => `report-signing:${clinicId}`;

export interface SigningIdentity {
  privateKeyPem: string;
  certificatePem: string;
}

export interface SigningDeps {
  clinicId: string;
  clinicName: string;
  record: ClinicRecord;
  keyStore: KeyStore;
}

/** The clinic's identity, created on first use (at most once however many reports start at the same time). */
export function createSigningIdentities(deps: SigningDeps): { identity(): Promise<SigningIdentity> } {
  let pending: Promise<SigningIdentity> | null = null;
  return {
    identity() {
      pending ??= load(deps).catch((error: unknown) => {
        pending = null;
        throw error;
      });
      return pending;
    },
  };
}

async function load(deps: SigningDeps): Promise<SigningIdentity> {
  const { db } = deps.record;
  const account = signingAccount(deps.clinicId);
  let der = await deps.keyStore.get(account);
  const row = db.select().from(tables.settings).where(eq(tables.settings.key, SIGNING_SETTINGS_KEY)).get();
  let certificatePem = row ? (JSON.parse(row.value) as { pem?: string }).pem ?? null : null;
  let created = false;
  if (!der) {
    der = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' });
    await deps.keyStore.set(account, der);
    certificatePem = null;
    created = true;
  }
  const privateKeyPem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
  der.fill(0);
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem);
  // A certificate made for another key (the keychain entry was replaced) is made again.
  if (certificatePem) {
    const cert = forge.pki.certificateFromPem(certificatePem);
    const pub = cert.publicKey as forge.pki.rsa.PublicKey;
    if (pub.n.compareTo((privateKey as forge.pki.rsa.PrivateKey).n) !== 0) certificatePem = null;
  }
  if (!certificatePem) {
    certificatePem = selfSigned(privateKey as forge.pki.rsa.PrivateKey, deps.clinicName);
    const now = Date.now();
    deps.record.transaction(() => {
      db.insert(tables.settings)
        .values({ key: SIGNING_SETTINGS_KEY, value: JSON.stringify({ pem: certificatePem }), updatedAt: now, updatedBy: 'system' })
        .onConflictDoUpdate({ target: tables.settings.key, set: { value: JSON.stringify({ pem: certificatePem }), updatedAt: now, updatedBy: 'system' } })
        .run();
      appendAudit(deps.record, { actorId: 'system', actorRole: 'system', action: created ? 'report_signing.create_key' : 'report_signing.renew_certificate', entity: 'clinic', entityId: deps.clinicId });
    });
  }
  return { privateKeyPem, certificatePem };
}

function selfSigned(key: forge.pki.rsa.PrivateKey, clinicName: string): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365.25 * 24 * 3600_000);
  const attrs = [
    { name: 'commonName', value: `${clinicName} report signing`.slice(0, 64) },
    { name: 'organizationName', value: clinicName.slice(0, 64) },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export interface SignatureFields {
  /** The signing doctor. */
  name: string;
  reason: string;
  location: string;
}

/**
 * Adds a PAdES signature field (ETSI.CAdES.detached) to the document and signs it with the
 * clinic's key: the result's bytes are what the signature covers.
 */
export async function signPdf(doc: PDFDocument, identity: SigningIdentity, fields: SignatureFields): Promise<Uint8Array> {
  pdflibAddPlaceholder({ pdfDoc: doc, reason: fields.reason, contactInfo: '', name: fields.name, location: fields.location, subFilter: 'ETSI.CAdES.detached', appName: 'Coherency Workstation' });
  const unsigned = await doc.save({ useObjectStreams: false });
  const passphrase = randomBytes(18).toString('base64url');
  const p12 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(identity.privateKeyPem), [forge.pki.certificateFromPem(identity.certificatePem)], passphrase, { algorithm: '3des' });
  const p12Der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
  // The named class, not the default instance: bundlers differ on a CommonJS module's default export.
  const signed = await new SignPdf().sign(Buffer.from(unsigned), new P12Signer(p12Der, { passphrase }));
  return new Uint8Array(signed);
}
