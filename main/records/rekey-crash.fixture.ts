/**
 * Child process for rekey-crash.test.ts: opens the record with the old key and re-keys it to the
 * new one (keys on stdin, never argv), printing `rekeying` just before and `done` after. The
 * parent kills it with SIGKILL somewhere in between.
 */
import { createInterface } from 'node:readline';
import { silentLogger } from '../shared/logger';
import { rekey } from './copy';
import { connectionOf, openClinicRecord } from './record';

const [file, clinicId] = process.argv.slice(2);
const rl = createInterface({ input: process.stdin });
rl.once('line', (line) => {
  rl.close();
  const [oldHex, newHex] = line.trim().split(' ');
  const opened = openClinicRecord({ file: file!, key: Buffer.from(oldHex!, 'hex'), clinicId: clinicId!, logger: silentLogger, quickCheck: false });
  if (!opened.ok) {
    process.stderr.write(`${opened.error.name}\n`);
    process.exit(2);
  }
  // A small page cache makes SQLite spill re-keyed pages into the file all through the rekey (as
  // it must for a record larger than the cache), so most of it is the dangerous window.
  if (process.env.REKEY_CACHE_PAGES) connectionOf(opened.record).pragma(`cache_size = ${Number(process.env.REKEY_CACHE_PAGES)}`);
  process.stdout.write('rekeying\n', () => {
    void rekey(opened.record, Buffer.from(newHex!, 'hex')).then(() => {
      process.stdout.write('done\n');
      process.exit(0);
    });
  });
});
