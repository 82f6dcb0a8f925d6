/**
 * Pull: the rows of a clinic that changed after a cursor, in the service's order, a page at a time.
 * The cursor is the last version the workstation applied; it keeps it in the same local transaction
 * as the page, so a cut at any point resumes where the last applied page ended.
 *
 * One statement (`coherency_pull`, migration 0003: the clinic's head and the page from one
 * snapshot). Read from a replica when one is configured and has caught up with both the cursor and
 * `minVersion` — the version the device's last push returned, so a device always reads its own
 * writes — else from the primary.
 */
import { decodeCursor, encodeCursor, type PullOutput, type SyncRow } from '../../common/sync';
import type { Database } from '../db/database';
import type { DeviceIdentity } from '../devices/index';

interface PullRow {
  head: string | number | bigint;
  tbl: string | null;
  key: string | null;
  data: SyncRow | null;
  version: string | number | bigint | null;
  deleted: boolean | null;
}

const PULL = 'SELECT head, tbl, key, data, version, deleted FROM coherency_pull($1, $2, $3)';

/** The clinic's head version in a page's rows (no row: the clinic is not there, head 0). */
const headOf = (rows: PullRow[]) => (rows.length > 0 ? Number(rows[0]!.head) : 0);

export async function pullPage(database: Database, device: DeviceIdentity, cursor: string | null, limit: number, minVersion: number): Promise<PullOutput & { fromReplica: boolean }> {
  const after = decodeCursor(cursor);
  const params = [device.clinicId, after, limit];
  // Never read a copy older than what this device already has or wrote; a replica that fails
  // (down, or not yet holding a new clinic's database) is skipped, not the pull.
  const fromReplica = ((await database.queryReplica(PULL, params)?.catch(() => null)) ?? null) as PullRow[] | null;
  const useReplica = fromReplica !== null && headOf(fromReplica) >= Math.max(minVersion, after);
  const rows = useReplica ? fromReplica : ((await database.query(PULL, params)) as PullRow[]);
  const head = headOf(rows);
  const changes = rows.filter((r) => r.tbl !== null);
  const page = changes.slice(0, limit);
  const last = page.length > 0 ? Number(page.at(-1)!.version) : after;
  return {
    changes: page.map((r) => ({ table: r.tbl!, key: r.key!, version: Number(r.version), deleted: r.deleted!, row: r.deleted ? null : r.data })),
    cursor: encodeCursor(last),
    more: changes.length > limit,
    head,
    fromReplica: useReplica,
  };
}
