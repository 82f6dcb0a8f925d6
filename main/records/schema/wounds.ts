import { check, index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';
import { LATERALITIES, PRESSURE_INJURY_STAGES, WOUND_ETIOLOGIES, WOUND_STATUSES } from '../../../common/records';
import { id, timestamps } from './columns';
import { patients } from './patients';

export const wounds = sqliteTable(
  'wounds',
  {
    id: id(),
    patientId: text('patient_id')
      .notNull()
      .references(() => patients.id, { onDelete: 'restrict' }),
    bodySite: text('body_site').notNull(),
    /** Added in 0001; NULL for wounds recorded before. */
    laterality: text('laterality', { enum: LATERALITIES }),
    etiology: text('etiology', { enum: WOUND_ETIOLOGIES }).notNull(),
    /** Only for pressure injuries (NPIAP stages). */
    pressureStage: text('pressure_stage', { enum: PRESSURE_INJURY_STAGES }),
    /** ISO date, YYYY-MM-DD. */
    onsetDate: text('onset_date'),
    status: text('status', { enum: WOUND_STATUSES }).notNull().default('open'),
    ...timestamps,
  },
  (t) => [
    index('wounds_patient_idx').on(t.patientId, t.status),
    check('wounds_stage_only_for_pressure', sql`${t.pressureStage} IS NULL OR ${t.etiology} = 'pressure_injury'`),
  ],
);
