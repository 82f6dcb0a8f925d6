/**
 * Child of import-crash.test.ts: opens the clinic, starts importing a scan onto a wound, and kills
 * itself with SIGKILL the moment the job starts indexing (the original is stored encrypted by
 * then, the octree half written, no row yet): what a power cut or kill -9 mid-import leaves.
 */
import { readFileSync } from 'node:fs';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { createWorkstation } from './workstation';

const [dataDir, clinicId, woundId, service, file] = process.argv.slice(2);
const workstation = createWorkstation({ dataDir: dataDir!, keyStore: createKeytarKeyStore({ service: service! }), logger: silentLogger });
const clinic = await workstation.clinic(clinicId!);
clinic.imports.onDidChangeJob((job) => {
  if (job.phase === 'indexing') process.kill(process.pid, 'SIGKILL');
});
const job = clinic.imports.start({ bytes: readFileSync(file!), fileName: 'leg-ulcer-visit-3.ply', woundId: woundId!, capturedAt: Date.now(), actor: { id: 'crash-test', roles: ['nurse'] }, extentCheck: 'accept' }); // a room-sized sample: the extent check is not under test here
await clinic.imports.wait(job.id);
process.stderr.write('the import finished without being killed\n');
process.exit(3);
