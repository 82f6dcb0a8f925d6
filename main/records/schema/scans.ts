import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { SCAN_FORMATS, SCAN_STATUSES } from '../../../common/records';
import { id, timestamps } from './columns';
import { devices } from './devices';
import { wounds } from './wounds';

export const scans = sqliteTable(
  'scans',
  {
    id: id(),
    woundId: text('wound_id')
      .notNull()
      .references(() => wounds.id, { onDelete: 'restrict' }),
    capturedAt: integer('captured_at').notNull(),
    format: text('format', { enum: SCAN_FORMATS }).notNull(),
    pointCount: integer('point_count').notNull(),
    /** JSON `{ min: [x,y,z], max: [x,y,z] }` in millimetres. */
    bboxJson: text('bbox_json').notNull(),
    /** JSON list of point attributes (colour, normal, intensity…). */
    attributesJson: text('attributes_json').notNull().default('[]'),
    sourceApp: text('source_app'),
    sourceDeviceId: text('source_device_id').references(() => devices.id),
    /**
     * JSON list of the reader's warnings about the file (`[{code, message, count}]`, e.g. LAS
     * records that break the specification); `[]` for a clean file.
     */
    warningsJson: text('warnings_json').notNull().default('[]'),
    /** SHA-256 of the uploaded file as received, hex. */
    sha256: text('sha256').notNull(),
    /** Ids in the encrypted scan store (main/scans), not paths. */
    rawFileId: text('raw_file_id'),
    octreeFileId: text('octree_file_id'),
    status: text('status', { enum: SCAN_STATUSES }).notNull().default('received'),
    ...timestamps,
  },
  (t) => [index('scans_wound_captured_idx').on(t.woundId, t.capturedAt), index('scans_sha256_idx').on(t.sha256)],
);
