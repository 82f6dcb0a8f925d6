/**
 * Paired tablets in the clinic record too. The receiver keeps its devices in its JSON store
 * (name, app, token hash); the record's `devices` table holds the same tablets so that a scan's
 * `source_device_id` names a row, and pairing, renaming and revoking are audited with the rest of
 * the clinic's history. The JSON store is written first; the row follows it (an upsert, so a row
 * missing for a tablet paired before this existed is created the first time it is needed).
 */
import { eq } from 'drizzle-orm';
import type { DeviceRecord, DevicesStore } from '../lan/index';
import { appendAudit, tables, type Actor, type ClinicRecord } from '../records/index';

const roleOf = (actor: Actor) => (actor.roles.length ? [...actor.roles].sort().join(',') : 'none');

/** Writes `device` into the record (insert or update) and audits `action` under `actor`. */
export function mirrorDevice(record: ClinicRecord, device: DeviceRecord, actor: Actor, action: 'pair' | 'rename' | 'revoke' | 'register', pairedBy: string | null = null): void {
  const now = Date.now();
  const pairedAt = Date.parse(device.pairedAt);
  const revokedAt = device.revokedAt ? Date.parse(device.revokedAt) : null;
  record.transaction(() => {
    const existing = record.db.select({ id: tables.devices.id, pairedBy: tables.devices.pairedBy }).from(tables.devices).where(eq(tables.devices.id, device.id)).get();
    if (existing) {
      record.db.update(tables.devices).set({ name: device.name, fingerprint: device.tokenHash, revokedAt, updatedAt: now }).where(eq(tables.devices.id, device.id)).run();
    } else {
      record.db
        .insert(tables.devices)
        .values({ id: device.id, name: device.name, kind: 'tablet', fingerprint: device.tokenHash, pairedBy, pairedAt: Number.isFinite(pairedAt) ? pairedAt : now, revokedAt, createdAt: now, updatedAt: now })
        .run();
    }
    appendAudit(record, { actorId: actor.id, actorRole: roleOf(actor), action: `device.${action}`, entity: 'device', entityId: device.id });
  });
}

/** True when the record has a row for this device. */
export function hasDeviceRow(record: ClinicRecord, deviceId: string): boolean {
  return record.db.select({ id: tables.devices.id }).from(tables.devices).where(eq(tables.devices.id, deviceId)).get() !== undefined;
}

/**
 * The receiver's devices store for one clinic: `inner` (the JSON file) plus the record mirror.
 * A newly paired device is recorded as paired by `pairedBy()` (the admin who offered the code);
 * renames and revocations are mirrored by the caller, who knows who did them.
 */
export function recordMirroredDevicesStore(inner: DevicesStore, record: ClinicRecord, pairedBy: () => string | null): DevicesStore {
  return {
    async add(device) {
      await inner.add(device);
      mirrorDevice(record, device, { id: `device:${device.id}`, roles: ['system'] }, 'pair', pairedBy());
    },
    list: () => inner.list(),
    rename: (id, name) => inner.rename(id, name),
    revoke: (id, at) => inner.revoke(id, at),
    findByTokenHash: (h) => inner.findByTokenHash(h),
  };
}
