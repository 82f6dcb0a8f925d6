/**
 * Clinics, enrolment codes and device credentials. The service's operator creates a clinic and
 * issues one-time enrolment codes; a workstation's IT admin redeems one and gets a credential
 * (kept in the workstation's OS keychain). The service can revoke a device; a device rotates its
 * own credential: the new secret works beside the old one until first used, so a rotation cut off
 * at any point loses neither access nor queued changes.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, or } from 'drizzle-orm';
import type { EnrolInput, EnrolOutput } from '../../common/sync';
import type { Database } from '../db/database';
import { clinics, devices, enrolmentCodes, tenants } from '../db/schema/index';
import type { Log } from '../observability/log';
import { setClinicSql } from '../db/scope';
import { ClinicNotFoundError, DeviceRevokedError, EnrolmentCodeInvalidError, UnauthenticatedError } from './errors';
import { formatToken, newEnrolmentCode, newSecret, parseToken, sameHash, sha256 } from './tokens';

export interface DeviceIdentity {
  clinicId: string;
  deviceId: string;
}

export interface DeviceView {
  id: string;
  label: string;
  enrolledAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
  lastSeenAt: number | null;
  lastMutationId: number;
}

export interface DevicesService {
  createClinic(name: string): Promise<{ clinicId: string }>;
  issueEnrolmentCode(clinicId: string, ttlMs?: number): Promise<{ code: string; expiresAt: number }>;
  enrol(input: EnrolInput & { code: string }): Promise<EnrolOutput>;
  /** The device a credential belongs to; throws UNAUTHENTICATED or DEVICE_REVOKED. */
  authenticate(token: string): Promise<DeviceIdentity>;
  rotate(device: DeviceIdentity, nextSecretSha256: string): Promise<{ rotatedAt: number }>;
  revoke(clinicId: string, deviceId: string): Promise<void>;
  list(clinicId: string): Promise<DeviceView[]>;
  status(device: DeviceIdentity): Promise<{ clinicId: string; clinicName: string; deviceId: string; lastMutationId: number; version: number }>;
}

export interface DevicesOptions {
  database: Database;
  log: Log;
  now?: () => number;
  /** How long an enrolment code works (default 24 h). */
  codeTtlMs?: number;
}

/** last_seen_at is written at most this often per device (not one write per request). */
const SEEN_EVERY_MS = 60_000;

export function createDevices({ database, log, now = Date.now, codeTtlMs = 24 * 3600_000 }: DevicesOptions): DevicesService {
  const { tenant } = database;

  return {
    async createClinic(name) {
      const clinicId = randomUUID();
      const at = now();
      await database.unscoped((tx) => tx.insert(tenants).values({ id: clinicId, createdAt: at }));
      await tenant(clinicId, (tx) => tx.insert(clinics).values({ id: clinicId, name, createdAt: at }));
      log.info('clinic.created', { clinicId });
      return { clinicId };
    },

    async issueEnrolmentCode(clinicId, ttlMs = codeTtlMs) {
      const exists = await tenant(clinicId, (tx) => tx.select({ id: clinics.id }).from(clinics).where(eq(clinics.id, clinicId)));
      if (exists.length === 0) throw new ClinicNotFoundError();
      const { code, display } = newEnrolmentCode();
      const expiresAt = now() + ttlMs;
      await database.unscoped((tx) => tx.insert(enrolmentCodes).values({ codeSha256: sha256(code), clinicId, expiresAt, createdAt: now() }));
      log.info('enrolment_code.issued', { clinicId, expiresAt });
      return { code: display, expiresAt };
    },

    async enrol(input) {
      const codeHash = sha256(input.code);
      const secret = newSecret();
      const at = now();
      const result = await database.unscoped(async (tx) => {
        const [row] = await tx.select().from(enrolmentCodes).where(eq(enrolmentCodes.codeSha256, codeHash)).for('update');
        if (!row || row.usedAt !== null || row.expiresAt <= at) throw new EnrolmentCodeInvalidError();
        await tx.update(enrolmentCodes).set({ usedAt: at, usedByDevice: input.deviceId }).where(eq(enrolmentCodes.codeSha256, codeHash));
        // The rest inside the clinic's scope (same transaction): row-level security from here on.
        await tx.execute(setClinicSql(row.clinicId));
        const [clinic] = await tx.select().from(clinics).where(eq(clinics.id, row.clinicId));
        if (!clinic) throw new EnrolmentCodeInvalidError();
        // Enrolling again (after a revocation, or a lost keychain) keeps the device's place in the
        // mutation order: its queued changes go on from where the service stopped.
        const [device] = await tx
          .insert(devices)
          .values({ clinicId: row.clinicId, id: input.deviceId, label: input.label, tokenSha256: sha256(secret), enrolledAt: at, lastSeenAt: at })
          .onConflictDoUpdate({ target: [devices.clinicId, devices.id], set: { label: input.label, tokenSha256: sha256(secret), nextTokenSha256: null, enrolledAt: at, revokedAt: null, lastSeenAt: at } })
          .returning();
        return { clinicId: row.clinicId, clinicName: clinic.name, lastMutationId: device!.lastMutationId };
      });
      log.info('device.enrolled', { clinicId: result.clinicId, deviceId: input.deviceId, lastMutationId: result.lastMutationId });
      return { clinicId: result.clinicId, clinicName: result.clinicName, deviceId: input.deviceId, token: formatToken(result.clinicId, input.deviceId, secret), lastMutationId: result.lastMutationId };
    },

    async authenticate(token) {
      const parsed = parseToken(token);
      if (!parsed) throw new UnauthenticatedError();
      const hash = sha256(parsed.secret);
      // One statement on every request (migration 0003); a write only on a rotation's first use and
      // once a minute for last_seen_at.
      const [d] = (await database.query('SELECT token_sha256, next_token_sha256, revoked_at, last_seen_at FROM coherency_device_credential($1, $2)', [parsed.clinicId, parsed.deviceId])) as Array<{
        token_sha256: string;
        next_token_sha256: string | null;
        revoked_at: string | number | null;
        last_seen_at: string | number | null;
      }>;
      if (!d) throw new UnauthenticatedError();
      const current = sameHash(d.token_sha256, hash);
      const next = !current && sameHash(d.next_token_sha256, hash);
      if (!current && !next) throw new UnauthenticatedError();
      if (d.revoked_at !== null) throw new DeviceRevokedError();
      const at = now();
      const where = and(eq(devices.clinicId, parsed.clinicId), eq(devices.id, parsed.deviceId));
      if (next) {
        // First use of the rotated secret: it replaces the old one, which stops working now — unless
        // a revoke came in between (a parallel first use that promoted it already is fine).
        const done = await tenant(parsed.clinicId, (tx) =>
          tx
            .update(devices)
            .set({ tokenSha256: hash, nextTokenSha256: null, rotatedAt: at, lastSeenAt: at })
            .where(and(where, or(eq(devices.nextTokenSha256, hash), eq(devices.tokenSha256, hash)), isNull(devices.revokedAt)))
            .returning({ id: devices.id }),
        );
        if (done.length === 0) throw new UnauthenticatedError();
        log.info('device.rotated', { clinicId: parsed.clinicId, deviceId: parsed.deviceId });
      } else if (d.last_seen_at === null || at - Number(d.last_seen_at) > SEEN_EVERY_MS) {
        await tenant(parsed.clinicId, (tx) => tx.update(devices).set({ lastSeenAt: at }).where(where));
      }
      return { clinicId: parsed.clinicId, deviceId: parsed.deviceId };
    },

    async rotate(device, nextSecretSha256) {
      const at = now();
      await tenant(device.clinicId, (tx) =>
        tx.update(devices).set({ nextTokenSha256: nextSecretSha256 }).where(and(eq(devices.clinicId, device.clinicId), eq(devices.id, device.deviceId), isNull(devices.revokedAt))),
      );
      log.info('device.rotation_started', { clinicId: device.clinicId, deviceId: device.deviceId });
      return { rotatedAt: at };
    },

    async revoke(clinicId, deviceId) {
      const done = await tenant(clinicId, (tx) =>
        tx.update(devices).set({ revokedAt: now(), nextTokenSha256: null }).where(and(eq(devices.clinicId, clinicId), eq(devices.id, deviceId))).returning({ id: devices.id }),
      );
      if (done.length === 0) throw new UnauthenticatedError();
      log.info('device.revoked', { clinicId, deviceId });
    },

    async list(clinicId) {
      const rows = await tenant(clinicId, (tx) => tx.select().from(devices).orderBy(devices.enrolledAt));
      return rows.map((d) => ({ id: d.id, label: d.label, enrolledAt: d.enrolledAt, rotatedAt: d.rotatedAt, revokedAt: d.revokedAt, lastSeenAt: d.lastSeenAt, lastMutationId: d.lastMutationId }));
    },

    async status(device) {
      return tenant(device.clinicId, async (tx) => {
        const [c] = await tx.select().from(clinics);
        const [d] = await tx.select().from(devices).where(eq(devices.id, device.deviceId));
        if (!c || !d) throw new UnauthenticatedError();
        return { clinicId: c.id, clinicName: c.name, deviceId: d.id, lastMutationId: d.lastMutationId, version: c.version };
      });
    },
  };
}


