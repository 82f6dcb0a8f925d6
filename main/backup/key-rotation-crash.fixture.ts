/**
 * Child of backups.test.ts: opens a clinic (so an earlier interrupted rotation is recovered
 * first), then rotates its key and kills itself with SIGKILL right after step N (1–4), or in the
 * middle of the scan sweep (0). The parent then checks that nothing was lost.
 */
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { rotateClinicKey } from './key-rotation';
import { createWorkstation } from '../app/index';

const [dataDir, clinicId, service, stepArg] = process.argv.slice(2);
const step = Number(stepArg);
const keyStore = createKeytarKeyStore({ service: service! });
const workstation = createWorkstation({ dataDir: dataDir!, keyStore, logger: silentLogger });
const clinic = await workstation.clinic(clinicId!);
const die = () => process.kill(process.pid, 'SIGKILL');
await rotateClinicKey({
  record: clinic.record,
  store: clinic.store,
  keyStore,
  logger: silentLogger,
  actor: { id: 'crash-test', roles: ['it-admin'] },
  onProgress: (p) => {
    if (step === 0 && p.phase === 'scans' && p.done === 2) die();
  },
  afterStep: (s) => {
    if (s === step) die();
  },
});
process.stderr.write('rotation finished without being killed\n');
process.exit(3);
