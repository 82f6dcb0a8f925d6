/**
 * The workstation's sync end to end: two clinic records (two workstations of one clinic), the real
 * service as its own process (`server/main.ts` through tsx on PGlite, as `npm run server` runs
 * it), the real HTTP client, keychain entries in a memory KeyStore with the vault's shape.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsFixture, seedOperations, START, type OpsFixture } from '../operations/test-helpers';
import { newId } from '../records/index';
import { silentLogger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import { createServiceClient } from './client';
import { createSync, type SyncService } from './sync.service';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'sync-test-admin-token-0123456789abcdef0123';

interface Service {
  url: string;
  child: ChildProcess;
  admin<T>(path: string, input: unknown): Promise<T>;
  stop(): Promise<void>;
}

async function startService(dataDir: string): Promise<Service> {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['server/main.ts'], {
    cwd: root,
    env: { ...process.env, PLAIN_HTTP: '1', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, SERVICE_ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_SECOND: '1000', RATE_LIMIT_BURST: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start: ${stderr}`)), 60_000);
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        try {
          const l = JSON.parse(line) as { event?: string; url?: string };
          if (l.event === 'server.listening') {
            clearTimeout(timer);
            resolve(String(l.url));
          }
        } catch {
          // not JSON
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`service exited (${code}): ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    async admin<T>(path: string, input: unknown) {
      const res = await fetch(`${url}/trpc/admin.${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(input) });
      const json = (await res.json()) as { result?: { data: T }; error?: unknown };
      if (!json.result) throw new Error(`admin.${path}: ${JSON.stringify(json.error)}`);
      return json.result.data;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An in-memory keychain with the vault's KeyStore shape (the real one needs a Secret Service). */
function createMemoryKeyStore(): KeyStore & { readonly entries: Map<string, Buffer> } {
  const entries = new Map<string, Buffer>();
  return {
    entries,
    get: async (account) => (entries.has(account) ? Buffer.from(entries.get(account)!) : null),
    set: async (account, key) => void entries.set(account, Buffer.from(key)),
    delete: async (account) => entries.delete(account),
  };
}

interface Workstation {
  f: OpsFixture;
  keyStore: ReturnType<typeof createMemoryKeyStore>;
  sync: SyncService;
}

function workstation(f: OpsFixture, keyStore = createMemoryKeyStore()): Workstation {
  // retryMaxMs small: a test never waits on a real back-off; the loop is driven with syncNow().
  const sync = createSync({ record: f.record, bus: f.ops.commands, keyStore, logger: silentLogger, now: () => f.clock.now, retryBaseMs: 10, retryMaxMs: 50, intervalMs: 60_000 });
  return { f, keyStore, sync };
}

const rows = (f: OpsFixture, query: SQL) => f.record.db.all<Record<string, unknown>>(query);

describe('sync with the hosted service (service process on PGlite)', () => {
  let dir: string;
  let service: Service;
  let clinicId: string;
  const code = async () => (await service.admin<{ code: string }>('issueEnrolmentCode', { clinicId, ttlMinutes: 60 })).code;
  const open: Workstation[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-sync-'));
    service = await startService(join(dir, 'service'));
    clinicId = (await service.admin<{ clinicId: string }>('createClinic', { name: 'Harbour Wound Clinic' })).clinicId;
  }, 90_000);

  afterAll(async () => {
    for (const w of open) {
      await w.sync.dispose();
      w.f.dispose();
    }
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrols two workstations; a booking on one is on the other after sync; a refused change comes back with its reason; rotation and revocation keep the queue', async () => {
    // Workstation 1 has the clinic's data; workstation 2 is a new install.
    const ws1 = workstation(createOpsFixture());
    open.push(ws1);
    const ids = seedOperations(ws1.f);
    expect(ws1.sync.status()).toMatchObject({ state: 'not_enrolled', queued: expect.any(Number) });

    // A nonsense enrolment code is refused with a typed error and nothing is stored.
    await expect(ws1.sync.enrol({ serviceUrl: service.url, code: 'K7QD-3M9X-PT2A-HV8R', caPem: null }, ws1.f.manager)).rejects.toMatchObject({ code: 'ENROLMENT_CODE_INVALID' });
    expect(ws1.sync.status().state).toBe('not_enrolled');
    expect(ws1.keyStore.entries.size).toBe(0);

    const code1 = await code();
    const s1 = await ws1.sync.enrol({ serviceUrl: service.url, code: code1, caPem: null }, ws1.f.manager);
    expect(s1).toMatchObject({ state: 'connected', queued: 0, rejected: 0, lastError: null });
    expect(s1.lastSyncAt).not.toBeNull();
    // The credential is in the keychain only.
    const token1 = ws1.keyStore.entries.get(`sync:${ws1.f.record.clinicId}`)?.toString('utf8');
    expect(token1).toBeTruthy();
    expect(JSON.stringify(rows(ws1.f, sql`SELECT * FROM sync_connection`))).not.toContain(token1!.split('.').pop()!);
    // A used code cannot enrol again.
    const spare = workstation(createOpsFixture());
    open.push(spare);
    await expect(spare.sync.enrol({ serviceUrl: service.url, code: code1, caPem: null }, ws1.f.manager)).rejects.toMatchObject({ code: 'ENROLMENT_CODE_INVALID' });

    // Workstation 2 registered its own (other) patients before it was connected.
    const ws2 = workstation(createOpsFixture());
    open.push(ws2);
    ws2.f.record.db.run(sql`UPDATE patients SET mrn = 'WS2-' || mrn`);
    await ws2.sync.enrol({ serviceUrl: service.url, code: await code(), caPem: null }, ws2.f.manager);
    // Workstation 2 pulled workstation 1's rooms, types and patients at enrolment.
    expect(rows(ws2.f, sql`SELECT name FROM rooms ORDER BY name`).map((r) => r['name'])).toEqual(['Room 1', 'Room 2']);
    expect(rows(ws2.f, sql`SELECT 1 FROM patients WHERE id = ${ws1.f.patients.ada}`)).toHaveLength(1);

    // The manager books on workstation 1; workstation 2 sees it after sync.
    const appointmentId = newId();
    ws1.f.run('bookings.book', { appointmentId, patientId: ws1.f.patients.ada, typeId: ids.dressing, staffId: ws1.f.nurse.id, roomId: ids.room1, startsAt: START + 3_600_000 });
    expect(ws1.sync.status().queued).toBe(1);
    expect((await ws1.sync.syncNow()).queued).toBe(0);
    expect(rows(ws2.f, sql`SELECT status FROM appointments WHERE id = ${appointmentId}`)).toEqual([]);
    await ws2.sync.syncNow();
    expect(rows(ws2.f, sql`SELECT status, patient_id FROM appointments WHERE id = ${appointmentId}`)).toEqual([{ status: 'booked', patient_id: ws1.f.patients.ada }]);

    // Both offline: workstation 1 cancels, workstation 2 checks the patient in. Workstation 1 syncs
    // first, so the service refuses workstation 2's check-in and says why.
    ws1.f.run('bookings.cancel', { appointmentId, reason: 'Patient rang to cancel' });
    ws2.f.run('bookings.checkIn', { appointmentId }, ws2.f.manager);
    await ws1.sync.syncNow();
    const after = await ws2.sync.syncNow();
    expect(after).toMatchObject({ state: 'connected', queued: 0, rejected: 1 });
    const [rejected] = ws2.sync.rejected();
    expect(rejected).toMatchObject({ name: 'bookings.checkIn', code: 'INVALID_TRANSITION' });
    expect(rejected!.reason).toMatch(/cancelled/);
    expect(rejected!.advice).toMatch(/Another workstation/);
    expect(rejected!.reason).not.toMatch(/Ada|Lovelace|MRN/);
    // The service's state wins on workstation 2: the appointment is cancelled there too.
    expect(rows(ws2.f, sql`SELECT status FROM appointments WHERE id = ${appointmentId}`)).toEqual([{ status: 'cancelled' }]);
    ws2.sync.dismissRejected(rejected!.mutationId, ws2.f.manager);
    expect(ws2.sync.rejected()).toEqual([]);

    // Both create service code WC-99 (other ids) before syncing: the service keeps the first and
    // refuses the second as a duplicate; workstation 2 then holds the service's row, not its own.
    const first = newId();
    const second = newId();
    ws1.f.run('billing.defineServiceCode', { serviceCodeId: first, code: 'WC-99', description: 'Compression bandage', priceCents: 3000, taxRateBp: 0 });
    ws2.f.run('billing.defineServiceCode', { serviceCodeId: second, code: 'WC-99', description: 'Bandage', priceCents: 2500, taxRateBp: 0 }, ws2.f.manager);
    await ws1.sync.syncNow();
    expect(await ws2.sync.syncNow()).toMatchObject({ state: 'connected', queued: 0, rejected: 1, lastError: null });
    expect(ws2.sync.rejected()[0]).toMatchObject({ name: 'billing.defineServiceCode', code: 'DUPLICATE' });
    expect(rows(ws2.f, sql`SELECT id, description FROM service_codes WHERE code = 'WC-99'`)).toEqual([{ id: first, description: 'Compression bandage' }]);
    ws2.sync.dismissRejected(ws2.sync.rejected()[0]!.mutationId, ws2.f.manager);

    // Rotation: a change queued before it still arrives after it; the old secret is refused.
    const roomId = newId();
    ws1.f.run('bookings.defineRoom', { roomId, name: 'Room 3' });
    await ws1.sync.rotateCredential(ws1.f.manager);
    const token2 = ws1.keyStore.entries.get(`sync:${ws1.f.record.clinicId}`)!.toString('utf8');
    expect(token2).not.toBe(token1);
    const probe = createServiceClient({ baseUrl: service.url });
    await expect(probe.status(token1!)).rejects.toMatchObject({ serviceCode: 'UNAUTHENTICATED' });
    await expect(probe.status(token2)).resolves.toMatchObject({ lastMutationId: expect.any(Number) });
    probe.close();
    expect((await ws1.sync.syncNow()).queued).toBe(0);
    await ws2.sync.syncNow();
    expect(rows(ws2.f, sql`SELECT name FROM rooms WHERE id = ${roomId}`)).toEqual([{ name: 'Room 3' }]);

    // A restart (a new loop on the same record and keychain) carries on where it was.
    await ws1.sync.dispose();
    ws1.sync = createSync({ record: ws1.f.record, bus: ws1.f.ops.commands, keyStore: ws1.keyStore, logger: silentLogger, now: () => ws1.f.clock.now, retryBaseMs: 10, retryMaxMs: 50 });
    ws1.f.run('bookings.defineRoom', { roomId: newId(), name: 'Room 4' });
    expect((await ws1.sync.syncNow()).queued).toBe(0);

    // Revocation: the workstation says so, keeps its queue, and works on offline.
    const deviceId = ws2.sync.status().deviceId;
    await service.admin('revokeDevice', { clinicId, deviceId });
    ws2.f.run('bookings.defineRoom', { roomId: newId(), name: 'Room 5' });
    const revoked = await ws2.sync.syncNow();
    expect(revoked).toMatchObject({ state: 'revoked', queued: 1, lastError: { code: 'DEVICE_REVOKED' } });
    expect(revoked.lastError!.message).toMatch(/enrols it again/);
    // Enrolling again with a new code sends what was queued.
    await ws2.sync.enrol({ serviceUrl: service.url, code: await code(), caPem: null }, ws2.f.manager);
    expect(ws2.sync.status()).toMatchObject({ state: 'connected', queued: 0 });
    await ws1.sync.syncNow();
    expect(rows(ws1.f, sql`SELECT 1 FROM rooms WHERE name = 'Room 5'`)).toHaveLength(1);
  }, 180_000);

  it('is offline, not broken, while the service cannot be reached, and nothing queued is lost; a patient registered on two workstations is kept and listed, and the pull goes on', async () => {
    // This workstation registered MRN-1 and MRN-2 too (other ids) before it was connected.
    const ws = workstation(createOpsFixture());
    open.push(ws);
    const s0 = await ws.sync.enrol({ serviceUrl: service.url, code: await code(), caPem: null }, ws.f.manager);
    expect(s0).toMatchObject({ state: 'connected', lastError: null });
    const [snapshot] = ws.sync.rejected();
    expect(snapshot).toMatchObject({ name: 'records.snapshot', code: 'DUPLICATE', keptLocally: 2 });
    expect(snapshot!.reason).not.toMatch(/MRN-|Ada|Grace/);
    // Its own patients stay; the service's rooms arrived all the same.
    expect(rows(ws.f, sql`SELECT 1 FROM patients WHERE id = ${ws.f.patients.ada}`)).toHaveLength(1);
    expect(rows(ws.f, sql`SELECT 1 FROM rooms WHERE name = 'Room 1'`).length).toBeGreaterThan(0);
    // Point the connection at a port nobody listens on.
    ws.f.record.db.run(sql`UPDATE sync_connection SET service_url = 'http://127.0.0.1:9'`);
    ws.f.run('bookings.defineRoom', { roomId: newId(), name: 'Offline room' });
    const s = await ws.sync.syncNow();
    expect(s).toMatchObject({ state: 'offline', queued: 1, lastError: { code: 'SERVICE_UNREACHABLE' } });
    ws.f.record.db.run(sql`UPDATE sync_connection SET service_url = ${service.url}`);
    expect(await ws.sync.syncNow()).toMatchObject({ state: 'connected', queued: 0, lastError: null });
  }, 60_000);

  it('syncs patient supply orders: created and confirmed on one workstation, on the other with lines, reservations and the final number; a cancel there comes back; a pick made meanwhile is refused and undone', async () => {
    // A clinic of its own: the other cases' rows stay out of it.
    const ownClinic = (await service.admin<{ clinicId: string }>('createClinic', { name: 'Riverside Wound Clinic' })).clinicId;
    const ownCode = async () => (await service.admin<{ code: string }>('issueEnrolmentCode', { clinicId: ownClinic, ttlMinutes: 60 })).code;
    const ws1 = workstation(createOpsFixture());
    open.push(ws1);
    const ids = seedOperations(ws1.f);
    ws1.f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F-1', expiryDate: '2027-01-01', quantity: 10 });
    await ws1.sync.enrol({ serviceUrl: service.url, code: await ownCode(), caPem: null }, ws1.f.manager);
    const ws2 = workstation(createOpsFixture());
    open.push(ws2);
    ws2.f.record.db.run(sql`UPDATE patients SET mrn = 'WS2-' || mrn`);
    await ws2.sync.enrol({ serviceUrl: service.url, code: await ownCode(), caPem: null }, ws2.f.manager);

    // Workstation 1: a nurse orders 3 foam dressings for collection and confirms (3 held on F-1).
    const orderId = newId();
    const lineId = newId();
    ws1.f.run('orders.create', { orderId, patientId: ws1.f.patients.ada, fulfilment: 'collection', dueDate: '2025-03-04', notes: null, lines: [{ lineId, itemId: ids.foam, quantity: 3 }] }, ws1.f.nurse);
    ws1.f.run('orders.confirm', { orderId }, ws1.f.nurse);
    expect(await ws1.sync.syncNow()).toMatchObject({ state: 'connected', queued: 0, rejected: 0, lastError: null });
    await ws2.sync.syncNow();

    // Workstation 2 sees the order, its line and what is held, under the service's final number.
    const seen = ws2.f.ops.orders.get(orderId, ws2.f.manager);
    expect(seen).toMatchObject({ status: 'confirmed', patientId: ws1.f.patients.ada, number: 'SO-000001' });
    expect(seen.lines.map((l) => [l.id, l.sku, l.quantity, l.reservations.map((r) => [r.lotNumber, r.quantity])])).toEqual([[lineId, 'FOAM-10', 3, [['F-1', 3]]]]);
    expect(ws2.f.ops.stock.item(ids.foam)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    expect(ws1.f.ops.orders.get(orderId, ws1.f.manager).number).toBe('SO-000001');

    // Offline from each other: workstation 2 cancels, workstation 1 picks. Workstation 2 syncs first.
    ws2.f.run('orders.cancel', { orderId, reason: 'Patient has enough at home' }, ws2.f.manager);
    ws1.f.run('orders.pick', { orderId }, ws1.f.manager);
    expect(ws1.f.ops.stock.item(ids.foam)).toMatchObject({ onHand: 7, reserved: 0 });
    expect(await ws2.sync.syncNow()).toMatchObject({ queued: 0, rejected: 0, lastError: null });
    const after = await ws1.sync.syncNow();
    expect(after).toMatchObject({ state: 'connected', queued: 0, rejected: 1, lastError: null });
    const [refused] = ws1.sync.rejected();
    expect(refused).toMatchObject({ name: 'orders.pick', code: 'INVALID_TRANSITION' });
    // The first of its changes the service refuses names itself: the units were given back there.
    expect(refused!.reason).toMatch(/is released on the service \(changed on another workstation\) and cannot become issued/);
    expect(refused!.reason).not.toMatch(/Ada|Lovelace|MRN|enough at home/);
    // The cancel reached workstation 1: the order is cancelled there with its reason, nothing is
    // held, and the refused pick's movements are gone (on hand back to 10).
    expect(ws1.f.ops.orders.get(orderId, ws1.f.manager)).toMatchObject({ status: 'cancelled', cancelReason: 'Patient has enough at home' });
    expect(rows(ws1.f, sql`SELECT status FROM stock_reservations WHERE order_line_id = ${lineId}`)).toEqual([{ status: 'released' }]);
    expect(rows(ws1.f, sql`SELECT count(*) AS n FROM stock_movements WHERE patient_order_line_id = ${lineId}`)).toEqual([{ n: 0 }]);
    expect(ws1.f.ops.stock.item(ids.foam)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    // And workstation 2 refuses what the service would: a cancelled order is not delivered.
    expect(() => ws2.f.run('orders.markCollected', { orderId }, ws2.f.manager)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  }, 120_000);
});
