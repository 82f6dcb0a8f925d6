/**
 * Pull: the rows of a clinic that changed after a cursor, in the service's order, a page at a time.
 * The cursor is the last version the workstation applied; it keeps it in the same local transaction
 * as the page, so a cut at any point resumes where the last applied page ended. Read from a
 * replica when one is configured and has caught up with `minVersion` (read-your-writes for the
 * device that pushed), else from the primary.
 */
import { sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor, type PullOutput, type SyncRow } from '../../common/sync';
import { execute, type Database } from '../db/database';
import type { DeviceIdentity } from '../devices/index';

export async function pullPage(database: Database, device: DeviceIdentity, cursor: string | null, limit: number, minVersion: number): Promise<PullOutput & { fromReplica: boolean }> {
  const after = decodeCursor(cursor);
  // Never read a copy older than what this device already has.
  return database.tenantRead(device.clinicId, Math.max(minVersion, after), async (tx) => {
    const [clinic] = await execute<{ version: string | number }>(tx, sql`SELECT version FROM clinics WHERE id = ${device.clinicId}`);
    const head = clinic ? Number(clinic.version) : 0;
    const rows = await execute<{ tbl: string; key: string; data: SyncRow | null; version: string | number; deleted: boolean }>(
      tx,
      sql`SELECT tbl, key, data, version, deleted FROM entities WHERE clinic_id = ${device.clinicId} AND version > ${after} ORDER BY version LIMIT ${limit + 1}`,
    );
    const page = rows.slice(0, limit);
    const last = page.length > 0 ? Number(page.at(-1)!.version) : after;
    return {
      changes: page.map((r) => ({ table: r.tbl, key: r.key, version: Number(r.version), deleted: r.deleted, row: r.deleted ? null : r.data })),
      cursor: encodeCursor(page.length > 0 ? last : after),
      more: rows.length > limit,
      head,
    };
  });
}
