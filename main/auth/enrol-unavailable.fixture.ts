/** Child of clinics.test.ts: enrols with the real keytar store while D-Bus points nowhere; prints the error. */
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { enrolClinic } from './clinics';

const dataDir = process.argv[2]!;
try {
  await enrolClinic(
    { name: 'Nowhere Clinic', admin: { username: 'admin', displayName: 'Admin', password: 'a long admin password' } },
    { dataDir, keyStore: createKeytarKeyStore({ service: 'Coherency Workstation (unavailable test)' }), logger: silentLogger, scrypt: { log2N: 10, r: 8, p: 1 } },
  );
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} catch (e) {
  const error = e as Error & { code?: string };
  process.stdout.write(`${JSON.stringify({ name: error.name, code: error.code, message: error.message })}\n`);
}
