import { describe, expect, it } from 'vitest';
import { pairingPayloadSchema, parseUploadMetadata, safeFileName } from './lan.schema';

const valid = {
  patientMrn: 'MRN-1',
  captureTime: '2026-03-04T10:15:00+01:00',
  device: 'iPad Pro',
  app: 'CoherencyScan 2.3',
  filename: 'wound.ply',
  sha256: 'AB'.repeat(32),
};

describe('upload metadata', () => {
  it('accepts a complete record and lower-cases the SHA-256', () => {
    const r = parseUploadMetadata(valid);
    expect(r).toEqual({ ok: true, value: { ...valid, sha256: 'ab'.repeat(32) } });
  });

  it('accepts a worklist id instead of an MRN, treats valueless keys as absent, drops unknown keys', () => {
    const { patientMrn: _, ...rest } = valid;
    const r = parseUploadMetadata({ ...rest, worklistId: 'WL-1', woundId: null, extra: 'x' });
    expect(r.ok && r.value).toEqual({ ...rest, worklistId: 'WL-1', sha256: 'ab'.repeat(32) });
  });

  it('requires a patient or worklist reference, an ISO capture time and a hex SHA-256', () => {
    const { patientMrn: _, ...noPatient } = valid;
    expect(parseUploadMetadata(noPatient)).toMatchObject({ ok: false, message: expect.stringContaining('patientMrn or worklistId') });
    expect(parseUploadMetadata({ ...valid, captureTime: '04/03/2026' })).toMatchObject({ ok: false, message: expect.stringContaining('captureTime') });
    expect(parseUploadMetadata({ ...valid, sha256: 'xyz' })).toMatchObject({ ok: false, message: expect.stringContaining('sha256') });
    expect(parseUploadMetadata({ ...valid, _deviceId: 'spoofed' })).toMatchObject({ ok: false, message: expect.stringContaining('reserved') });
  });

  it('never echoes values (they may identify a patient)', () => {
    const r = parseUploadMetadata({ ...valid, patientMrn: 'SECRET\u0000MRN' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });

  it.each(['../x.ply', '..', '.', 'a/b', 'a\\b', '/etc/passwd', 'C:x.ply', 'x\u0000.ply', 'x\n.ply', ''])('refuses the path-like file name %j', (name) => {
    expect(safeFileName.safeParse(name).success).toBe(false);
  });

  it.each(['wound.ply', 'scan 2026-03-04.las', '..hidden.ply', 'bébé.obj'])('accepts the plain file name %j', (name) => {
    expect(safeFileName.safeParse(name).success).toBe(true);
  });
});

describe('pairing payload', () => {
  it('has version 1, a host, a port, a SHA-256 fingerprint, a code and an expiry', () => {
    const p = { v: 1, host: '192.168.1.20', port: 8443, fingerprint: Array(32).fill('AB').join(':'), code: 'ABCD2345', expiresAt: '2026-01-01T00:05:00.000Z' };
    expect(pairingPayloadSchema.parse(p)).toEqual(p);
    expect(pairingPayloadSchema.safeParse({ ...p, fingerprint: 'AB:CD' }).success).toBe(false);
    expect(pairingPayloadSchema.safeParse({ ...p, v: 2 }).success).toBe(false);
  });
});
