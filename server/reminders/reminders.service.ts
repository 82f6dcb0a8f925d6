/**
 * Sends due appointment reminders exactly once across service processes.
 *
 * A job is claimed in a short transaction (`FOR UPDATE SKIP LOCKED`, then `sending` with a lease),
 * sent outside any transaction, and marked `sent` — together with the reminder row the
 * workstations pull — in a second one. Two processes never claim one job. A failure retries with
 * back-off; after `maxAttempts` the job is `dead` (the dead-letter list, retried by hand). The one
 * window left is a process dying after the mail server accepted a message and before it was marked:
 * the lease expires and it is sent again, with the same Message-ID (README "Reminders").
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { execute, type Database } from '../db/database';
import { reminderJobs, tenants } from '../db/schema/index';
import type { Log } from '../observability/log';
import type { Metrics } from '../observability/metrics';
import type { EmailSender, SmsSender } from './channels';

export interface ReminderSender {
  /** One pass over every clinic: claims, sends and records what is due. */
  runOnce(): Promise<{ sent: number; failed: number; dead: number }>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
  deadLetters(clinicId: string): Promise<Array<{ reminderId: string; channel: string; attempts: number; lastError: string | null; updatedAt: number }>>;
  /** Puts a dead job back in the queue (after the cause was fixed). */
  retry(clinicId: string, reminderId: string): Promise<boolean>;
}

export interface ReminderSenderOptions {
  database: Database;
  log: Log;
  metrics: Metrics;
  email: EmailSender | null;
  sms?: SmsSender | null;
  now?: () => number;
  maxAttempts?: number;
  /** First retry after this long, doubling (with jitter) up to an hour. */
  retryBaseMs?: number;
  leaseMs?: number;
  batch?: number;
}

interface Claimed {
  reminder_id: string;
  channel: 'email' | 'sms';
  recipient: string;
  message: string;
  attempts: number;
}

export function createReminderSender(o: ReminderSenderOptions): ReminderSender {
  const { database, log, metrics } = o;
  const now = o.now ?? Date.now;
  const maxAttempts = o.maxAttempts ?? 5;
  const retryBaseMs = o.retryBaseMs ?? 30_000;
  const leaseMs = o.leaseMs ?? 120_000;
  const batch = o.batch ?? 50;
  const channels = [...(o.email ? ['email'] : []), ...(o.sms ? ['sms'] : [])];
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();

  async function claim(clinicId: string): Promise<Claimed[]> {
    const at = now();
    return database.tenant(clinicId, (tx) =>
      execute<Claimed>(
        tx,
        sql`UPDATE reminder_jobs j SET status = 'sending', lease_until = ${at + leaseMs}, attempts = j.attempts + 1, updated_at = ${at}
            FROM (SELECT reminder_id FROM reminder_jobs
                  WHERE clinic_id = ${clinicId} AND channel = ANY(${sql.param(channels)}::text[]) AND send_at <= ${at}
                    AND ((status = 'queued' AND next_attempt_at <= ${at}) OR (status = 'sending' AND lease_until < ${at}))
                  ORDER BY next_attempt_at LIMIT ${batch} FOR UPDATE SKIP LOCKED) due
            WHERE j.clinic_id = ${clinicId} AND j.reminder_id = due.reminder_id
            RETURNING j.reminder_id, j.channel, j.recipient, j.message, j.attempts`,
      ),
    );
  }

  async function record(clinicId: string, done: Array<{ job: Claimed; error: string | null }>): Promise<{ sent: number; failed: number; dead: number }> {
    const at = now();
    const counts = { sent: 0, failed: 0, dead: 0 };
    await database.tenant(clinicId, async (tx) => {
      const sent = done.filter((d) => d.error === null).map((d) => d.job.reminder_id);
      if (sent.length > 0) {
        await tx.execute(sql`UPDATE reminder_jobs SET status = 'sent', sent_at = ${at}, lease_until = NULL, last_error = NULL, updated_at = ${at} WHERE clinic_id = ${clinicId} AND reminder_id = ANY(${sql.param(sent)}::text[])`);
        // The reminder rows the workstations pull: `sent` (the clinic's row lock hands out their versions).
        const [c] = await execute<{ version: string | number }>(tx, sql`SELECT version FROM clinics WHERE id = ${clinicId} FOR UPDATE`);
        let version = Number(c!.version);
        for (const id of sent) {
          version++;
          await tx.execute(sql`UPDATE entities SET data = data || jsonb_build_object('status', 'sent', 'sent_at', ${at}::bigint, 'updated_at', ${at}::bigint), version = ${version}, updated_at = ${at}
                               WHERE clinic_id = ${clinicId} AND tbl = 'reminders' AND key = ${id}`);
        }
        await tx.execute(sql`UPDATE clinics SET version = ${version} WHERE id = ${clinicId}`);
        counts.sent = sent.length;
      }
      for (const { job, error } of done) {
        if (error === null) continue;
        const dead = job.attempts >= maxAttempts;
        const delay = Math.min(3600_000, retryBaseMs * 2 ** (job.attempts - 1)) * (0.75 + Math.random() * 0.5);
        await tx.execute(sql`UPDATE reminder_jobs SET status = ${dead ? 'dead' : 'queued'}, lease_until = NULL, last_error = ${error.slice(0, 500)}, next_attempt_at = ${at + Math.round(delay)}, updated_at = ${at}
                             WHERE clinic_id = ${clinicId} AND reminder_id = ${job.reminder_id}`);
        if (dead) counts.dead++;
        else counts.failed++;
      }
    });
    return counts;
  }

  async function send(job: Claimed, clinicId: string): Promise<string | null> {
    try {
      if (job.channel === 'email') await o.email!.send({ to: job.recipient, subject: 'Appointment reminder', text: job.message, messageId: `<${job.reminder_id}@${clinicId}.coherency>` });
      else await o.sms!.send({ to: job.recipient, text: job.message, id: job.reminder_id });
      return null;
    } catch (error) {
      // The SMTP error's kind and code only: its text can echo the recipient.
      const e = error as { code?: string; responseCode?: number; name?: string };
      return [e.name ?? 'Error', e.code, e.responseCode].filter(Boolean).join(' ');
    }
  }

  async function runOnce() {
    const totals = { sent: 0, failed: 0, dead: 0 };
    if (channels.length === 0) return totals;
    const clinics = await database.unscoped((tx) => tx.select({ id: tenants.id }).from(tenants));
    for (const { id: clinicId } of clinics) {
      for (;;) {
        const jobs = await claim(clinicId);
        if (jobs.length === 0) break;
        const done: Array<{ job: Claimed; error: string | null }> = [];
        for (const job of jobs) done.push({ job, error: await send(job, clinicId) });
        const counts = await record(clinicId, done);
        totals.sent += counts.sent;
        totals.failed += counts.failed;
        totals.dead += counts.dead;
        log.info('reminders.sent', { clinicId, ...counts });
        if (jobs.length < batch) break;
      }
    }
    metrics.count('coherency_reminders_total', totals.sent, { outcome: 'sent' });
    metrics.count('coherency_reminders_total', totals.failed, { outcome: 'retry' });
    metrics.count('coherency_reminders_total', totals.dead, { outcome: 'dead' });
    return totals;
  }

  return {
    runOnce,
    start(intervalMs = 15_000) {
      if (timer) return;
      const tick = () => {
        running = runOnce()
          .catch((error: unknown) => log.warn('reminders.pass_failed', { error: error instanceof Error ? error.name : 'unknown' }))
          .finally(() => {
            if (timer) timer = setTimeout(tick, intervalMs);
          });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    async deadLetters(clinicId) {
      const rows = await database.tenant(clinicId, (tx) =>
        tx.select().from(reminderJobs).where(and(eq(reminderJobs.clinicId, clinicId), eq(reminderJobs.status, 'dead'))).orderBy(asc(reminderJobs.updatedAt)),
      );
      return rows.map((r) => ({ reminderId: r.reminderId, channel: r.channel, attempts: r.attempts, lastError: r.lastError, updatedAt: r.updatedAt }));
    },
    async retry(clinicId, reminderId) {
      const done = await database.tenant(clinicId, (tx) =>
        tx
          .update(reminderJobs)
          .set({ status: 'queued', attempts: 0, nextAttemptAt: now(), updatedAt: now() })
          .where(and(eq(reminderJobs.clinicId, clinicId), eq(reminderJobs.reminderId, reminderId), eq(reminderJobs.status, 'dead')))
          .returning({ id: reminderJobs.reminderId }),
      );
      return done.length > 0;
    },
  };
}
