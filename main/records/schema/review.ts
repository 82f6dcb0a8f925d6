import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { assessments } from './assessments';
import { staff } from './staff';
import { wounds } from './wounds';

/**
 * The baseline a doctor picked for a wound's healing figures (PAR, the predicted course); without a
 * row the first assessment is the baseline. Naming a version of an assessment that is later amended
 * keeps meaning its newest version.
 */
export const woundBaselines = sqliteTable('wound_baselines', {
  woundId: text('wound_id')
    .primaryKey()
    .references(() => wounds.id, { onDelete: 'cascade' }),
  assessmentId: text('assessment_id')
    .notNull()
    .references(() => assessments.id),
  pickedBy: text('picked_by').references(() => staff.id),
  pickedAt: integer('picked_at').notNull(),
});
