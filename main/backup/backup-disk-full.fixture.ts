/**
 * Child of backups.test.ts, run inside a private mount namespace where `<mnt>` is a 1 MB tmpfs:
 * writes a backup of a clinic holding a 3 MB scan into it and prints the typed error and what
 * was left in `<mnt>` (nothing may be).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClinicRecord } from '../records/index';
import { createScanStore } from '../scans/index';
import { silentLogger } from '../shared/logger';
import { writeBackup } from './archive';

const [src, mnt] = process.argv.slice(2);
const key = randomBytes(32);
const created = createClinicRecord({ file: join(src!, 'record.db'), key, clinicId: 'disk-full-clinic', clinicName: 'Disk Full', logger: silentLogger });
if (!created.ok) throw created.error;
const store = createScanStore({ rootDir: join(src!, 'scans'), clinicKey: key });
await store.put('scan1', 'original.ply', randomBytes(3 * 1024 * 1024));
try {
  await writeBackup({ record: created.record, store, password: 'a long backup passphrase', file: join(mnt!, 'x.cwbackup'), logger: silentLogger });
  process.stdout.write(`${JSON.stringify({ code: 'OK', left: readdirSync(mnt!) })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message, left: readdirSync(mnt!) })}\n`);
}
created.record.dispose();
