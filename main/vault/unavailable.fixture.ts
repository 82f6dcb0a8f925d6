/** Child of vault.test.ts: uses the real keytar with whatever D-Bus environment it was given and prints what each call raised. */
import { createKeytarKeyStore, probeKeychain } from './index';

const store = createKeytarKeyStore({ service: 'Coherency Workstation (unavailable test)' });
const describeError = (e: unknown) => (e instanceof Error ? { name: e.name, code: (e as { code?: string }).code, reason: (e as { reason?: string }).reason, message: e.message } : { name: String(e) });
const settle = (p: Promise<unknown>) => p.then(() => ({ ok: true }), describeError);

const out = {
  get: await settle(store.get('clinic-x')),
  set: await settle(store.set('clinic-x', Buffer.alloc(32, 1))),
  delete: await settle(store.delete('clinic-x')),
  probe: await probeKeychain(store).then((r) => (r.ok ? r : describeError(r.error))),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
