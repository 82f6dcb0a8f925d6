/** Scans of a wound. Clinical data: audited on every read and change. */
import { and, desc, eq } from 'drizzle-orm';
import { scanSchema, scanWarningsSchema, type Scan } from '../../../common/scans';
import { appendAudit } from '../audit';
import { EntityNotFoundError, RecordError } from '../errors';
import type { ClinicRecord } from '../record';
import { assessments, patients, scans, wounds } from '../schema';
import { actorRole, type Actor } from './actor';

export interface NewScan {
  id: string;
  woundId: string;
  capturedAt: number;
  format: Scan['format'];
  pointCount: number;
  bbox: Scan['bbox'];
  attributes: string[];
  sourceApp: string | null;
  sourceDeviceId: string | null;
  sha256: string;
  rawFileId: string;
  octreeFileId: string;
  /** The reader's warnings about the file; none when left out. */
  warnings?: Scan['warnings'];
}

export interface ScansRepository {
  woundExists(woundId: string): boolean;
  /**
   * The body site of a wound and its patient's date of birth, for the import's plausibility
   * checks (never returned to a client, so not audited as a read); null when no such wound.
   */
  woundContext(woundId: string): { bodySite: string; dateOfBirth: string | null } | null;
  insert(scan: NewScan, actor: Actor): Scan;
  get(id: string, actor: Actor): Scan | null;
  listByWound(woundId: string, actor: Actor): Scan[];
  /** Deletes the row (audited). The caller then removes the encrypted files (see api/scans.router.ts). */
  remove(id: string, actor: Actor): void;
  /** Every scan id of the clinic (ids only, for backups: unaudited). */
  ids(): string[];
  /** Store ids of the original and the octree's metadata file (ids, not clinical values: unaudited). */
  files(id: string): { rawFileId: string | null; octreeFileId: string | null } | null;
  /** Points the scan at a rebuilt octree (e.g. with wound labels and depth filled in); audited. */
  replaceOctree(id: string, octreeFileId: string, attributes: string[], actor: Actor): void;
}

/** A scan that assessments were measured on stays with them (the record keeps what was charted). */
export class ScanInUseError extends RecordError {
  readonly code = 'CONFLICT';
  constructor(readonly assessmentCount: number) {
    super(`This scan is kept: ${assessmentCount} saved assessment${assessmentCount === 1 ? ' was' : 's were'} measured on it.`);
  }
}

type Row = typeof scans.$inferSelect;

function toScan(row: Row): Scan {
  return scanSchema.parse({
    id: row.id,
    woundId: row.woundId,
    capturedAt: row.capturedAt,
    format: row.format,
    pointCount: row.pointCount,
    bbox: JSON.parse(row.bboxJson),
    attributes: JSON.parse(row.attributesJson),
    sourceApp: row.sourceApp,
    sourceDeviceId: row.sourceDeviceId,
    sha256: row.sha256,
    warnings: JSON.parse(row.warningsJson),
    status: row.status,
    createdAt: row.createdAt,
  });
}

export function createScansRepository(record: ClinicRecord): ScansRepository {
  const { db } = record;
  const audit = (actor: Actor, action: string, entityId: string | null) =>
    appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'scan', entityId });
  const read = (id: string) => {
    const row = db.select().from(scans).where(eq(scans.id, id)).get();
    return row ? toScan(row) : null;
  };
  return {
    woundExists: (woundId) => db.select({ id: wounds.id }).from(wounds).where(eq(wounds.id, woundId)).get() !== undefined,
    woundContext: (woundId) =>
      db.select({ bodySite: wounds.bodySite, dateOfBirth: patients.dateOfBirth }).from(wounds).innerJoin(patients, eq(patients.id, wounds.patientId)).where(eq(wounds.id, woundId)).get() ?? null,
    insert(scan, actor) {
      const now = Date.now();
      record.transaction(() => {
        if (!db.select({ id: wounds.id }).from(wounds).where(eq(wounds.id, scan.woundId)).get()) throw new EntityNotFoundError('wound', scan.woundId);
        db.insert(scans)
          .values({
            id: scan.id,
            woundId: scan.woundId,
            capturedAt: scan.capturedAt,
            format: scan.format,
            pointCount: scan.pointCount,
            bboxJson: JSON.stringify(scan.bbox),
            attributesJson: JSON.stringify(scan.attributes),
            sourceApp: scan.sourceApp,
            sourceDeviceId: scan.sourceDeviceId,
            warningsJson: JSON.stringify(scanWarningsSchema.parse(scan.warnings ?? [])),
            sha256: scan.sha256,
            rawFileId: scan.rawFileId,
            octreeFileId: scan.octreeFileId,
            status: 'ready',
            createdAt: now,
            updatedAt: now,
          })
          .run();
        audit(actor, 'scan.import', scan.id);
      });
      return read(scan.id)!;
    },
    get(id, actor) {
      return record.transaction(() => {
        const scan = read(id);
        if (scan) audit(actor, 'scan.read', id);
        return scan;
      });
    },
    listByWound(woundId, actor) {
      return record.transaction(() => {
        const rows = db.select().from(scans).where(and(eq(scans.woundId, woundId))).orderBy(desc(scans.capturedAt), desc(scans.id)).all();
        audit(actor, 'scan.list', woundId);
        return rows.map(toScan);
      });
    },
    ids: () => db.select({ id: scans.id }).from(scans).all().map((r) => r.id),
    files(id) {
      return db.select({ rawFileId: scans.rawFileId, octreeFileId: scans.octreeFileId }).from(scans).where(eq(scans.id, id)).get() ?? null;
    },
    replaceOctree(id, octreeFileId, attributes, actor) {
      record.transaction(() => {
        if (!read(id)) throw new EntityNotFoundError('scan', id);
        db.update(scans).set({ octreeFileId, attributesJson: JSON.stringify(attributes), updatedAt: Date.now() }).where(eq(scans.id, id)).run();
        audit(actor, 'scan.reindex', id);
      });
    },
    remove(id, actor) {
      record.transaction(() => {
        if (!read(id)) throw new EntityNotFoundError('scan', id);
        const measured = db.select({ id: assessments.id }).from(assessments).where(eq(assessments.scanId, id)).all().length;
        if (measured > 0) throw new ScanInUseError(measured);
        db.delete(scans).where(eq(scans.id, id)).run();
        audit(actor, 'scan.delete', id);
      });
    },
  };
}
