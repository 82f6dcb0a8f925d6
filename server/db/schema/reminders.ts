/**
 * Reminders the service sends: one job per reminder row, claimed with FOR UPDATE SKIP LOCKED (and a
 * lease) so that several service processes never send one twice; failures retry with back-off, and after
 * the last attempt the job is `dead` (the dead-letter list).
 */
import { bigint, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicy, tenants } from './tenancy';

const ms = (name: string) => bigint(name, { mode: 'number' });

/** `sending`: claimed by one process until `lease_until`; if that process dies the job is claimed again after it. */
export const REMINDER_JOB_STATUSES = ['queued', 'sending', 'sent', 'cancelled', 'dead'] as const;

export const reminderJobs = pgTable(
  'reminder_jobs',
  {
    clinicId: uuid('clinic_id')
      .notNull()
      .references(() => tenants.id),
    reminderId: text('reminder_id').notNull(),
    channel: text('channel', { enum: ['email', 'sms'] }).notNull(),
    recipient: text('recipient').notNull(),
    message: text('message').notNull(),
    sendAt: ms('send_at').notNull(),
    status: text('status', { enum: REMINDER_JOB_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    leaseUntil: ms('lease_until'),
    lastError: text('last_error'),
    sentAt: ms('sent_at'),
    /** The Message-ID given to the mail server (`<reminder id>@<clinic>`), the same on a retry. */
    messageId: text('message_id'),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.clinicId, t.reminderId] }), index('reminder_jobs_due_idx').on(t.clinicId, t.status, t.nextAttemptAt), tenantPolicy()],
);
