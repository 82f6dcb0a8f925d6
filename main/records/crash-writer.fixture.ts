/**
 * Child process for crash.test.ts: opens the record (key on stdin, never argv), then writes
 * patients one transaction at a time and prints each id only after its commit returned.
 */
import { createInterface } from 'node:readline';
import { silentLogger } from '../shared/logger';
import { openClinicRecord } from './record';
import { createPatientsRepository } from './repositories/patients';

const [file, clinicId] = process.argv.slice(2);
const rl = createInterface({ input: process.stdin });
rl.once('line', (hex) => {
  rl.close();
  const opened = openClinicRecord({ file: file!, key: Buffer.from(hex.trim(), 'hex'), clinicId: clinicId!, logger: silentLogger, quickCheck: false });
  if (!opened.ok) {
    process.stderr.write(`${opened.error.name}\n`);
    process.exit(2);
  }
  const patients = createPatientsRepository(opened.record);
  const actor = { id: 'crash-writer', roles: ['nurse' as const] };
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const p = patients.create({ mrn: `${process.pid}-${i}`, givenName: 'Crash', familyName: `Writer ${i}`, dateOfBirth: '1999-09-09', sex: 'unknown', address: 'x'.repeat(i % 500) }, actor);
    process.stdout.write(`${p.id}\n`);
  }
});
