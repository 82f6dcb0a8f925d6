/**
 * The workstation's side of sync for one clinic: enrolment with the hosted service, the device
 * credential (OS keychain), and the sync loop — push the outbox in order, then pull pages since
 * the cursor — with back-off and jitter while the service cannot be reached.
 *
 * Everything the loop knows lives in the clinic's record (outbox, cursor, connection) and the
 * keychain, so it is safe across restarts: a push cut off is answered from the service's log when
 * sent again; a page cut off is pulled again from the stored cursor. Work goes on offline.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, count, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { REJECTION_ADVICE, type EnrolWorkstationInput, type Mutation, type MutationResult, type OverwrittenEdit, type RejectedChange, type RejectionCode, type SyncStatus } from '../../common/sync';
import { syncedTable } from '../../common/sync-tables';
import type { CommandBus, OutboxEntry } from '../commands/index';
import { appendAudit, actorRole, applyPulledPage, danglingReferences, storedCursor, tables, type Actor, type ClinicRecord } from '../records/index';
import type { Logger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import { createServiceClient, type ServiceClient } from './client';
import { createCredentialStore } from './credentials';
import { AlreadyEnrolledError, CredentialMissingError, DeviceRevokedError, EnrolmentCodeInvalidError, NotEnrolledError, ServiceRateLimitedError, ServiceRefusedError, SyncError } from './errors';

export interface SyncService {
  status(): SyncStatus;
  /** An IT admin connects this clinic to the service with an enrolment code. */
  enrol(input: EnrolWorkstationInput & { caPem: string | null }, actor: Actor): Promise<SyncStatus>;
  /** One cycle now (push, then pull); resolves with the status after it. Errors are recorded, not thrown. */
  syncNow(): Promise<SyncStatus>;
  /** Starts the loop (idempotent): at sign-in. */
  start(): void;
  stop(): Promise<void>;
  rejected(): RejectedChange[];
  dismissRejected(mutationId: number, actor: Actor): void;
  overwrites(): OverwrittenEdit[];
  dismissOverwrite(id: string, actor: Actor): void;
  /** A new credential secret: stored in the keychain first, then given to the service; the queue is untouched. */
  rotateCredential(actor: Actor | null): Promise<SyncStatus>;
  dispose(): Promise<void>;
}

export interface SyncOptions {
  record: ClinicRecord;
  bus: CommandBus;
  keyStore: KeyStore;
  logger: Logger;
  now?: () => number;
  /** Between cycles when all is well (default 15 s; `COHERENCY_SYNC_INTERVAL_MS`). */
  intervalMs?: number;
  /** Back-off after failures: from `retryBaseMs` doubling to `retryMaxMs`, with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Mutations per push (default 100). */
  batch?: number;
  pageSize?: number;
  /** Rotate the credential when it is older than this (default 30 days). */
  rotateEveryMs?: number;
  timeoutMs?: number;
}

type Connection = typeof tables.syncConnection.$inferSelect;

const LABEL_WORDS = (name: string): string => {
  if (name === 'records.change') return 'Patients or staff changed';
  if (name === 'records.snapshot') return 'Records this workstation held when it was connected';
  const [domain, verb] = name.split('.');
  const words = (verb ?? '').replace(/([A-Z])/g, ' $1').toLowerCase();
  return `${(domain ?? '').replace(/^./, (c) => c.toUpperCase())}: ${words}`;
};

export function createSync(options: SyncOptions): SyncService {
  const { record, bus, logger: baseLogger } = options;
  const { db } = record;
  const now = options.now ?? Date.now;
  const logger = baseLogger.child({ service: 'sync', clinicId: record.clinicId });
  const credentials = createCredentialStore(options.keyStore, record.clinicId);
  const intervalMs = options.intervalMs ?? 15_000;
  const retryBaseMs = options.retryBaseMs ?? 2_000;
  const retryMaxMs = options.retryMaxMs ?? 5 * 60_000;
  const batch = options.batch ?? 100;
  const pageSize = options.pageSize ?? 500;
  const rotateEveryMs = options.rotateEveryMs ?? 30 * 86_400_000;
  const C = tables.syncConnection;
  const O = tables.syncOutbox;

  let client: { key: string; client: ServiceClient } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let looping = false;
  let running: Promise<void> | null = null;
  let failures = 0;
  let nextAttemptAt: number | null = null;
  let disposed = false;

  const connection = (): Connection | undefined => db.select().from(C).where(eq(C.singleton, 1)).get();
  const setConnection = (values: Partial<Connection>) => db.update(C).set(values).where(eq(C.singleton, 1)).run();

  function clientFor(conn: Pick<Connection, 'serviceUrl' | 'caPem'>): ServiceClient {
    const key = `${conn.serviceUrl}\n${conn.caPem ?? ''}`;
    if (client?.key !== key) {
      client?.client.close();
      client = { key, client: createServiceClient({ baseUrl: conn.serviceUrl, caPem: conn.caPem, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }) };
    }
    return client.client;
  }

  function toMutation(e: OutboxEntry): Mutation {
    return { id: e.mutationId, commandId: e.commandId, name: e.name, args: e.args, actorId: e.actorId, issuedAt: e.issuedAt, effects: e.effects };
  }

  /** The service's answers, in one transaction: answered mutations leave the queue; refusals keep their reason. */
  function acknowledge(results: MutationResult[], sent: OutboxEntry[], version: number): void {
    const byId = new Map(sent.map((e) => [e.mutationId, e]));
    record.transaction(() => {
      const at = now();
      for (const r of results) {
        const entry = byId.get(r.id);
        if (!entry) continue;
        if (r.status === 'rejected') {
          const kept = (entry.effects ?? []).filter((e) => e.op === 'insert' && syncedTable(e.table)?.keepOnReset).length;
          db.update(O).set({ sentAt: at, attempts: sql`${O.attempts} + 1`, rejectedCode: r.code ?? 'INVALID', rejectedReason: r.reason ?? null, keptLocally: kept }).where(eq(O.mutationId, r.id)).run();
        } else if (r.skipped?.length) {
          const reason = `${r.skipped.length} row${r.skipped.length === 1 ? '' : 's'} stayed on this workstation only: ${[...new Set(r.skipped.map((x) => x.reason))].join(' ')}`;
          db.update(O).set({ sentAt: at, attempts: sql`${O.attempts} + 1`, rejectedCode: r.skipped[0]!.code, rejectedReason: reason.slice(0, 1000), keptLocally: r.skipped.length }).where(eq(O.mutationId, r.id)).run();
        } else {
          db.update(O).set({ sentAt: at, attempts: sql`${O.attempts} + 1` }).where(eq(O.mutationId, r.id)).run();
        }
      }
      setConnection({ lastPushVersion: version });
    });
  }

  /** The service has applied more of this device than this record knows (restored from an older copy): queue after it. */
  function renumberAfter(last: number): void {
    record.transaction(() => {
      const pending = db.select({ id: O.mutationId }).from(O).where(isNull(O.sentAt)).orderBy(O.mutationId).all();
      db.update(O).set({ mutationId: sql`-${O.mutationId}` }).where(isNull(O.sentAt)).run();
      pending.forEach((p, i) => db.update(O).set({ mutationId: last + 1 + i }).where(eq(O.mutationId, -p.id)).run());
      db.update(tables.syncDevice).set({ lastMutationId: last + pending.length }).where(eq(tables.syncDevice.singleton, 1)).run();
    });
    logger.warn('queue renumbered after the service', { last });
  }

  async function token(conn: Connection): Promise<string> {
    // A rotation cut off: finish it (the service took the new secret) or drop it (it never did).
    const next = await credentials.getNext();
    if (next) {
      try {
        await clientFor(conn).status(next);
        await credentials.promote();
        setConnection({ credentialRotatedAt: now() });
        return next;
      } catch (error) {
        if (error instanceof ServiceRefusedError && error.serviceCode === 'UNAUTHENTICATED') await credentials.dropNext();
        else throw error;
      }
    }
    const current = await credentials.get();
    if (!current) throw new CredentialMissingError();
    return current;
  }

  async function pushAll(c: ServiceClient, t: string): Promise<number> {
    bus.seal();
    let sent = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      const pending = bus.pending(batch);
      if (pending.length === 0) break;
      try {
        const out = await c.push(t, pending.map(toMutation));
        acknowledge(out.results, pending, out.version);
        sent += out.results.length;
      } catch (error) {
        if (error instanceof ServiceRefusedError && error.serviceCode === 'DEVICE_BEHIND') {
          renumberAfter((await c.status(t)).lastMutationId);
          continue;
        }
        throw error;
      }
    }
    return sent;
  }

  /** Pulls to the end; false when a page had to wait for local changes (push again first). */
  async function pullAll(c: ServiceClient, t: string): Promise<{ complete: boolean; rows: number }> {
    let rows = 0;
    for (let guard = 0; guard < 100_000; guard++) {
      const minVersion = connection()?.lastPushVersion ?? 0;
      const page = await c.pull(t, { cursor: storedCursor(record), limit: pageSize, minVersion });
      const applied = applyPulledPage(record, page.changes, page.cursor, now());
      if (!applied) return { complete: false, rows };
      rows += applied.applied + applied.removed;
      if (applied.clashed > 0) logger.warn('pulled rows clash with rows only this workstation has', { count: applied.clashed });
      if (!page.more) return { complete: true, rows };
    }
    return { complete: false, rows };
  }

  function recordError(error: unknown): void {
    const e = translate(error);
    const state = e instanceof DeviceRevokedError ? 'revoked' : e.code === 'SERVICE_UNREACHABLE' || e.code === 'SERVICE_RATE_LIMITED' ? 'offline' : 'error';
    setConnection({ state, lastErrorCode: e instanceof ServiceRefusedError ? e.serviceCode : e.code, lastErrorMessage: e.message.slice(0, 500), lastErrorAt: now() });
    logger.warn('sync failed', { code: e instanceof ServiceRefusedError ? e.serviceCode : e.code, failures });
  }

  function translate(error: unknown): SyncError {
    if (error instanceof ServiceRefusedError) {
      if (error.serviceCode === 'DEVICE_REVOKED') return new DeviceRevokedError();
      if (error.serviceCode === 'RATE_LIMITED') return new ServiceRateLimitedError();
      if (error.serviceCode === 'ENROLMENT_CODE_INVALID') return new EnrolmentCodeInvalidError();
      if (error.serviceCode === 'UNAUTHENTICATED') return Object.assign(error, { message: "The service does not accept this workstation's credential. An IT admin enrols it again with a new code; queued changes are kept." });
    }
    if (error instanceof SyncError) return error;
    const code = (error as { code?: unknown })?.code;
    return Object.assign(new ServiceRefusedError(typeof code === 'string' ? code : 'UNKNOWN', error instanceof Error ? error.message : 'Sync failed.', 0), {});
  }

  async function cycle(): Promise<void> {
    const conn = connection();
    if (!conn) throw new NotEnrolledError();
    if (conn.state === 'revoked') throw new DeviceRevokedError();
    const c = clientFor(conn);
    const t = await token(conn);
    const started = performance.now();
    let pushed = 0;
    let pulled = 0;
    for (let round = 0; round < 5; round++) {
      pushed += await pushAll(c, t);
      const p = await pullAll(c, t);
      pulled += p.rows;
      if (p.complete) break;
    }
    const dangling = danglingReferences(record);
    if (dangling > 0) logger.warn('rows refer to rows this workstation does not have', { count: dangling });
    setConnection({ state: 'connected', lastSyncAt: now(), lastErrorCode: null, lastErrorMessage: null, lastErrorAt: null });
    logger.info('synced', { pushed, pulled, ms: Math.round(performance.now() - started) });
    const rotatedAt = connection()!.credentialRotatedAt ?? conn.enrolledAt;
    if (now() - rotatedAt > rotateEveryMs) await rotate(conn, t);
  }

  async function rotate(conn: Connection, current: string): Promise<void> {
    const prefix = current.split('.').slice(0, 3).join('.');
    const secret = randomBytes(32).toString('base64url');
    await credentials.setNext(`${prefix}.${secret}`);
    await clientFor(conn).rotate(current, createHash('sha256').update(secret).digest('hex'));
    await clientFor(conn).status(`${prefix}.${secret}`); // first use: the service drops the old secret
    await credentials.promote();
    setConnection({ credentialRotatedAt: now() });
    logger.info('credential rotated');
  }

  function schedule(ms: number): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!looping || disposed) {
      nextAttemptAt = null;
      return;
    }
    nextAttemptAt = now() + ms;
    timer = setTimeout(() => void runOnce(), ms);
    timer.unref?.();
  }

  function runOnce(): Promise<void> {
    if (running) return running;
    running = (async () => {
      try {
        await cycle();
        failures = 0;
        schedule(intervalMs);
      } catch (error) {
        failures++;
        if (!(error instanceof NotEnrolledError)) recordError(error);
        const revoked = translate(error) instanceof DeviceRevokedError || error instanceof NotEnrolledError;
        // Full jitter on an exponential back-off: many workstations coming back do not arrive together.
        const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(failures - 1, 20));
        if (revoked) schedule(retryMaxMs);
        else schedule(Math.round(delay * (0.5 + Math.random() * 0.5)));
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function status(): SyncStatus {
    const conn = connection();
    const queued = db.select({ n: count() }).from(O).where(isNull(O.sentAt)).get()!.n + (db.select({ n: count() }).from(tables.syncCapture).get()!.n > 0 ? 1 : 0);
    const rejected = db.select({ n: count() }).from(O).where(and(isNotNull(O.rejectedCode), isNull(O.dismissedAt))).get()!.n;
    const overwritten = db.select({ n: count() }).from(tables.syncOverwrites).where(isNull(tables.syncOverwrites.dismissedAt)).get()!.n;
    return {
      state: conn ? conn.state : 'not_enrolled',
      serviceUrl: conn?.serviceUrl ?? null,
      clinicName: conn?.serviceClinicName ?? null,
      deviceId: bus.device().deviceId,
      enrolledAt: conn?.enrolledAt ?? null,
      lastSyncAt: conn?.lastSyncAt ?? null,
      queued,
      rejected,
      overwritten,
      lastError: conn?.lastErrorCode ? { code: conn.lastErrorCode, message: conn.lastErrorMessage ?? '', at: conn.lastErrorAt ?? 0 } : null,
      nextAttemptAt,
      credentialRotatedAt: conn?.credentialRotatedAt ?? null,
    };
  }

  return {
    status,

    async enrol(input, actor) {
      const existing = connection();
      if (existing && existing.state !== 'revoked' && existing.lastErrorCode !== 'UNAUTHENTICATED' && existing.lastErrorCode !== 'CREDENTIAL_MISSING') throw new AlreadyEnrolledError();
      // The keychain first: a code spent on a workstation that cannot keep the credential is lost.
      await credentials.get();
      const c = clientFor({ serviceUrl: input.serviceUrl, caPem: input.caPem });
      const device = bus.device();
      let out;
      try {
        out = await c.enrol({ code: input.code, deviceId: device.deviceId, label: hostname().slice(0, 100) || 'workstation', protocol: 1 });
      } catch (error) {
        throw translate(error);
      }
      await credentials.set(out.token);
      await credentials.dropNext();
      const fresh = !existing || existing.serviceClinicId !== out.clinicId;
      const at = now();
      const snapshotRows = record.transaction(() => {
        db.insert(C)
          .values({ singleton: 1, serviceUrl: input.serviceUrl, caPem: input.caPem, serviceClinicId: out.clinicId, serviceClinicName: out.clinicName, enrolledAt: at, enrolledBy: actor.id, state: 'offline' })
          .onConflictDoUpdate({
            target: C.singleton,
            set: { serviceUrl: input.serviceUrl, caPem: input.caPem, serviceClinicId: out.clinicId, serviceClinicName: out.clinicName, enrolledAt: at, enrolledBy: actor.id, state: 'offline', lastErrorCode: null, lastErrorMessage: null, lastErrorAt: null, credentialRotatedAt: null },
          })
          .run();
        appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'sync.enrol', entity: 'sync', entityId: out.clinicId, at });
        if (!fresh) return 0;
        // First connection of this record: what it holds goes as one snapshot, which also covers
        // every change queued before (they are already in the rows it sends).
        db.delete(O).where(isNull(O.sentAt)).run();
        db.delete(tables.syncCapture).run();
        db.delete(tables.syncState).where(eq(tables.syncState.stream, 'service')).run();
        db.update(tables.syncDevice).set({ lastMutationId: out.lastMutationId }).where(eq(tables.syncDevice.singleton, 1)).run();
        setConnection({ lastPushVersion: 0 });
        return bus.snapshot();
      });
      logger.info('enrolled', { serviceClinicId: out.clinicId, deviceId: device.deviceId, snapshotRows, fresh });
      looping = true;
      failures = 0;
      await runOnce();
      return status();
    },

    async syncNow() {
      if (running) await running;
      await runOnce();
      return status();
    },

    start() {
      if (looping || disposed) return;
      looping = true;
      if (connection()) schedule(0);
      else schedule(retryMaxMs);
    },

    async stop() {
      looping = false;
      schedule(0);
      if (running) await running;
    },

    rejected() {
      return db
        .select()
        .from(O)
        .where(and(isNotNull(O.rejectedCode), isNull(O.dismissedAt)))
        .orderBy(desc(O.mutationId))
        .limit(500)
        .all()
        .map((r) => {
          const code = r.rejectedCode as RejectionCode;
          return { mutationId: r.mutationId, commandId: r.commandId, name: r.name, label: LABEL_WORDS(r.name), issuedAt: r.issuedAt, code, reason: r.rejectedReason ?? '', advice: REJECTION_ADVICE[code] ?? '', keptLocally: r.keptLocally };
        });
    },

    dismissRejected(mutationId, actor) {
      record.transaction(() => {
        const done = db.update(O).set({ dismissedAt: now() }).where(and(eq(O.mutationId, mutationId), isNotNull(O.rejectedCode), isNull(O.dismissedAt))).returning({ id: O.mutationId }).all();
        if (done.length) appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'sync.dismiss_rejected', entity: 'sync', entityId: String(mutationId), at: now() });
      });
    },

    overwrites() {
      const W = tables.syncOverwrites;
      return db
        .select()
        .from(W)
        .where(isNull(W.dismissedAt))
        .orderBy(desc(W.at))
        .limit(500)
        .all()
        .map((w) => ({ id: w.id, table: w.tbl, rowKey: w.rowKey, field: w.field, overwritten: JSON.parse(w.overwrittenJson ?? 'null') as unknown, value: JSON.parse(w.valueJson ?? 'null') as unknown, byDevice: w.byDevice, at: w.at }));
    },

    dismissOverwrite(id, actor) {
      const W = tables.syncOverwrites;
      record.transaction(() => {
        const done = db.update(W).set({ dismissedAt: now() }).where(and(eq(W.id, id), isNull(W.dismissedAt))).returning({ id: W.id }).all();
        if (done.length) appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'sync.dismiss_overwrite', entity: 'sync', entityId: id, at: now() });
      });
    },

    async rotateCredential(actor) {
      const conn = connection();
      if (!conn) throw new NotEnrolledError();
      try {
        await rotate(conn, await token(conn));
      } catch (error) {
        throw translate(error);
      }
      if (actor) appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'sync.rotate_credential', entity: 'sync', entityId: null, at: now() });
      return status();
    },

    async dispose() {
      disposed = true;
      looping = false;
      if (timer) clearTimeout(timer);
      if (running) await running.catch(() => undefined);
      client?.client.close();
      client = null;
    },
  };
}
