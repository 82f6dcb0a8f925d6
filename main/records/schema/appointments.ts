import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { id, timestamps } from './columns';
import { patients } from './patients';
import { staff } from './staff';

export const appointments = sqliteTable(
  'appointments',
  {
    id: id(),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id, { onDelete: 'restrict' }),
    staffId: text('staff_id').references(() => staff.id),
    startsAt: integer('starts_at').notNull(),
    endsAt: integer('ends_at').notNull(),
    kind: text('kind').notNull(),
    status: text('status', { enum: ['booked', 'arrived', 'completed', 'cancelled', 'no_show'] })
      .notNull()
      .default('booked'),
    notes: text('notes'),
    ...timestamps,
  },
  (t) => [index('appointments_starts_idx').on(t.startsAt), index('appointments_patient_idx').on(t.patientId, t.startsAt)],
);
