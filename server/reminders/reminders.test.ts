/**
 * Reminders over SMTP, against a real SMTP server process (smtp-server) whose received mail the
 * test reads: each due reminder arrives once, also with two senders racing (two service processes
 * on PostgreSQL); not-yet-due and cancelled ones do not; a failing address is retried and ends in
 * the dead-letter list; the reminder row the workstations pull says `sent`.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CHANGE } from '../../common/commands';
import { startServiceProcess, startSmtpSink, type Running } from '../app/test-process';
import { ADMIN_TOKEN, startTestService, type TestService } from '../app/test-services';
import { openDatabase } from '../db/database';
import { testDatabaseKinds } from '../db/test-databases';
import { memoryLog } from '../observability/log';
import { createMetrics } from '../observability/metrics';
import { appointmentRow, bookArgsFor, id, insert, mutation, patientRow, row, staffRow, update } from '../sync/test-rows';
import { createReminderSender, createSmtpSender } from './index';

interface Received {
  to: string[];
  messageId: string | null;
  subject: string | null;
  body: string;
}

describe.each(testDatabaseKinds())('reminders by e-mail on %s', (kind) => {
  let s: TestService;
  let sink: Running & { port: number };
  let dir: string;
  let mailbox: string;
  const received = (): Received[] => (existsSync(mailbox) ? readFileSync(mailbox, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Received) : []);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-smtp-'));
    mailbox = join(dir, 'mail.jsonl');
    sink = await startSmtpSink(mailbox);
    s = await startTestService(kind);
  });
  afterAll(async () => {
    await s.dispose();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A clinic with `n` reminders queued through a device's push: due now, one not due, one cancelled, one to a failing address. */
  async function queue(n: number) {
    const { clinicId, tokens } = await s.clinic(`Clinic ${id()}`, ['ws-remind-01']);
    const device = s.caller(tokens['ws-remind-01']!);
    const [manager, patient, appt] = [id(), id(), id()];
    const rem = (rid: string, to: string, sendAt: number) =>
      row('reminders', { id: rid, appointment_id: appt, patient_id: patient, channel: 'email', recipient: to, send_at: sendAt, message: `Reminder: your appointment at Northside on 2030-01-0${(n % 9) + 1} at 09:30.`, status: 'queued', created_at: 1, updated_at: 1 });
    const tag = id().slice(-6);
    const due = Array.from({ length: n }, (_, i) => rem(id(), `patient${i}.${tag}@example.org`, Date.now() - 1000));
    const later = rem(id(), 'later@example.org', Date.now() + 3600_000);
    const cancelled = rem(id(), 'cancelled@example.org', Date.now() - 1000);
    const bounce = rem(id(), 'bounce@example.org', Date.now() - 1000);
    const out = await device.sync.push({
      mutations: [
        mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('staff', staffRow(manager, ['manager'])), insert('patients', patientRow(patient, `R-${patient}`))]),
        mutation(2, 'bookings.book', bookArgsFor(appt, patient, manager), manager, [insert('appointments', appointmentRow(appt, patient, manager, Date.now() + 86_400_000)), ...[...due, later, cancelled, bounce].map((r) => insert('reminders', r))]),
        mutation(3, 'bookings.setReminderPreference', { patientId: patient, optOut: false }, manager, [update('reminders', cancelled, { status: 'cancelled' })]),
      ],
    });
    expect(out.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    return { clinicId, device, due, later, cancelled, bounce };
  }

  it('sends each due reminder once with two senders racing; retries a failing address into the dead letters', async () => {
    const q = await queue(12);
    const smtp = () => createSmtpSender({ host: '127.0.0.1', port: sink.port, from: 'Northside <reminders@northside.example>' });
    // A second sender with its own connections to the same database (a second service process's sender).
    const other = kind === 'postgres' ? await openDatabase(s.db.options) : s.db.database;
    const senders = [s.db.database, other].map((database) => createReminderSender({ database, log: memoryLog(), metrics: createMetrics(), email: smtp(), maxAttempts: 3, retryBaseMs: 1, batch: 5 }));
    for (let pass = 0; pass < 4; pass++) {
      await Promise.all(senders.map((x) => x.runOnce()));
      await new Promise((r) => setTimeout(r, 20));
    }
    const mine = received().filter((m) => m.to.some((t) => q.due.some((d) => d['recipient'] === t) || t.includes('later') || t.includes('cancelled')));
    expect(mine.map((m) => m.to[0]).sort()).toEqual(q.due.map((d) => String(d['recipient'])).sort());
    expect(new Set(mine.map((m) => m.messageId)).size).toBe(12);
    expect(mine[0]).toMatchObject({ subject: 'Appointment reminder' });
    expect(mine[0]!.body).toMatch(/^Reminder: your appointment at Northside/);
    // The failing address: three attempts, then dead; a retry puts it back in the queue.
    const dead = await senders[0]!.deadLetters(q.clinicId);
    expect(dead).toEqual([expect.objectContaining({ reminderId: q.bounce['id'], attempts: 3, lastError: expect.stringMatching(/451|EENVELOPE/) })]);
    expect(await senders[0]!.retry(q.clinicId, String(q.bounce['id']))).toBe(true);
    expect(await senders[0]!.deadLetters(q.clinicId)).toEqual([]);
    // The rows the workstations pull: due ones sent, the others as they were.
    for (const d of q.due) expect((await q.device.sync.row({ table: 'reminders', key: String(d['id']) }))!.row).toMatchObject({ status: 'sent' });
    expect((await q.device.sync.row({ table: 'reminders', key: String(q.later['id']) }))!.row).toMatchObject({ status: 'queued', sent_at: null });
    expect((await q.device.sync.row({ table: 'reminders', key: String(q.cancelled['id']) }))!.row).toMatchObject({ status: 'cancelled' });
    // Nothing a patient could be recognised by reaches the logs.
    expect(JSON.stringify(s.log.records)).not.toMatch(/example\.org|Northside/);
    if (other !== s.db.database) await other.close();
  });

  it.runIf(kind === 'postgres')('two service processes on one database send each reminder exactly once', async () => {
    const q = await queue(20);
    const env = {
      DATABASE_URL: s.db.options.url!,
      SERVICE_ADMIN_TOKEN: ADMIN_TOKEN,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      REMINDER_INTERVAL_MS: '50',
      REMINDER_MAX_ATTEMPTS: '2',
      REMINDER_RETRY_BASE_MS: '10',
    };
    const services = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
    try {
      const deadline = Date.now() + 30_000;
      const wanted = new Set(q.due.map((d) => String(d['recipient'])));
      while (Date.now() < deadline && received().filter((m) => wanted.has(m.to[0]!)).length < wanted.size) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
      const mine = received().filter((m) => wanted.has(m.to[0]!));
      expect(mine.map((m) => m.to[0]).sort()).toEqual([...wanted].sort());
      const sentBy = services.map((p) => p.lines.filter((l) => l['event'] === 'reminders.sent').reduce((n, l) => n + Number(l['sent']), 0));
      expect(sentBy.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
    } finally {
      await Promise.all(services.map((p) => p.stop()));
    }
  });
});
