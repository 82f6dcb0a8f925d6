/**
 * Annotations on a scan (issue 18): markers with a note, rulers (straight and along-surface
 * distance, measured here on the scan's points), undermining and tunnelling (depth and clock
 * position as charted), free regions with their area. Saved per scan with who and when; every
 * read and change is audited; a delete can be undone (the row is marked, never removed).
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { annotationDraftSchema, annotationMeasureSchema, type Annotation, type AnnotationDraft, type AnnotationMeasure } from '../../common/annotations';
import { actorRole, appendAudit, newId, tables, type Actor, type ClinicRecord } from '../records/index';
import type { Logger } from '../shared/logger';
import { AnnotationError } from './errors';
import { distance, polygonArea, surfaceDistance, type SurfacePoints } from './geometry';

export interface AnnotationsService {
  /** Stores the annotation (one per request id: a repeat returns the first). */
  create(input: { requestId: string; scanId: string; draft: AnnotationDraft }, actor: Actor): Promise<Annotation>;
  /** Changes an annotation's geometry, values or note (same kind); re-measured. */
  update(id: string, draft: AnnotationDraft, actor: Actor): Promise<Annotation>;
  /** Deletes (marks) an annotation; `restore` undoes it. */
  remove(id: string, actor: Actor): Annotation;
  restore(id: string, actor: Actor): Annotation;
  listByScan(scanId: string, actor: Actor): Annotation[];
  /** The wound's annotations on all its scans, by scan capture time then creation (its timeline). */
  listByWound(woundId: string, actor: Actor): Annotation[];
}

export interface AnnotationsDeps {
  record: ClinicRecord;
  /** The scan's points in mm (the analysis's cached cloud): rulers are measured along them. */
  points(scanId: string): Promise<SurfacePoints>;
  logger: Logger;
}

const { annotations, scans, staff } = tables;
type Row = typeof annotations.$inferSelect;
const round = (v: number) => Math.round(v * 100) / 100;

export function createAnnotationsService(deps: AnnotationsDeps): AnnotationsService {
  const { record } = deps;
  const { db } = record;
  const audit = (actor: Actor, action: string, entity: string, entityId: string): void =>
    void appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity, entityId });

  const scanOf = (scanId: string) => db.select({ id: scans.id, woundId: scans.woundId, capturedAt: scans.capturedAt }).from(scans).where(eq(scans.id, scanId)).get();

  async function measure(scanId: string, draft: AnnotationDraft): Promise<AnnotationMeasure> {
    switch (draft.kind) {
      case 'marker':
        return {};
      case 'ruler': {
        let cloud: SurfacePoints;
        try {
          cloud = await deps.points(scanId);
        } catch (error) {
          deps.logger.warn('scan unreadable for a ruler', { error: error instanceof Error ? error.name : 'unknown' });
          throw new AnnotationError('SCAN_UNREADABLE', 'The scan could not be read to measure along its surface.');
        }
        const surface = surfaceDistance(cloud, draft.from, draft.to);
        if (surface === null) throw new AnnotationError('OFF_SURFACE', 'The ruler is not on the scan: place both ends on the scanned surface.');
        return { straightMm: round(distance(draft.from, draft.to)), surfaceMm: round(surface) };
      }
      case 'undermining':
      case 'tunnelling':
        return { depthMm: draft.depthMm, clock: draft.clock };
      case 'region':
        return { areaMm2: round(polygonArea(draft.points)) };
    }
  }

  function toAnnotations(rows: Row[]): Annotation[] {
    if (rows.length === 0) return [];
    const people = [...new Set(rows.flatMap((r) => [r.authorId, r.updatedBy]).filter((x): x is string => x !== null))];
    const names = new Map(people.length ? db.select({ id: staff.id, name: staff.displayName }).from(staff).where(inArray(staff.id, people)).all().map((s) => [s.id, s.name]) : []);
    const scanIds = [...new Set(rows.map((r) => r.scanId))];
    const scanRows = new Map(db.select({ id: scans.id, woundId: scans.woundId, capturedAt: scans.capturedAt }).from(scans).where(inArray(scans.id, scanIds)).all().map((s) => [s.id, s]));
    const ref = (id: string | null) => (id === null ? null : { id, displayName: names.get(id) ?? 'unknown' });
    const out: Annotation[] = [];
    for (const r of rows) {
      const draft = annotationDraftSchema.safeParse(JSON.parse(r.geometryJson));
      const scan = scanRows.get(r.scanId);
      // A row this version cannot read (none is written so) is left out, and counted in the log.
      if (!draft.success || !scan) {
        deps.logger.warn('annotation left out: unreadable row', { id: r.id });
        continue;
      }
      out.push({
        id: r.id,
        scanId: r.scanId,
        woundId: scan.woundId,
        scanCapturedAt: scan.capturedAt,
        kind: draft.data.kind,
        draft: draft.data,
        measure: annotationMeasureSchema.parse(r.measureJson ? JSON.parse(r.measureJson) : {}),
        author: ref(r.authorId),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        updatedBy: ref(r.updatedBy),
      });
    }
    return out;
  }

  const rowOf = (id: string): Row => {
    const row = db.select().from(annotations).where(eq(annotations.id, id)).get();
    if (!row) throw new AnnotationError('NOT_FOUND', 'No such annotation in this clinic.');
    return row;
  };
  const one = (id: string): Annotation => {
    const found = toAnnotations([rowOf(id)])[0];
    if (!found) throw new AnnotationError('NOT_FOUND', 'No such annotation in this clinic.');
    return found;
  };

  /** A repeat of a create request: the same scan and author get the first annotation; anything else is refused. */
  function earlier(requestId: string, scanId: string, actor: Actor): Annotation | null {
    const row = db.select().from(annotations).where(eq(annotations.requestId, requestId)).get();
    if (!row) return null;
    if (row.scanId !== scanId || row.authorId !== actor.id) throw new AnnotationError('REQUEST_ID_REUSED', 'This request id was already used for another annotation.');
    audit(actor, 'annotation.read', 'annotation', row.id);
    return one(row.id);
  }

  return {
    async create(input, actor) {
      const draft = annotationDraftSchema.parse(input.draft);
      if (!scanOf(input.scanId)) throw new AnnotationError('NOT_FOUND', 'No such scan in this clinic.');
      const first = earlier(input.requestId, input.scanId, actor);
      if (first) return first;
      const measured = await measure(input.scanId, draft);
      const id = newId();
      const now = Date.now();
      const stored = record.transaction(() => {
        // A double-click's second request may have been measuring at the same time: the first to get here wins.
        const raced = earlier(input.requestId, input.scanId, actor);
        if (raced) return raced;
        if (!scanOf(input.scanId)) throw new AnnotationError('NOT_FOUND', 'No such scan in this clinic.');
        db.insert(annotations)
          .values({ id, scanId: input.scanId, kind: draft.kind, geometryJson: JSON.stringify(draft), text: draft.kind === 'region' ? draft.label : (draft.note ?? null), measureJson: JSON.stringify(measured), requestId: input.requestId, authorId: actor.id, createdAt: now, updatedAt: now })
          .run();
        audit(actor, 'annotation.create', 'annotation', id);
        return null;
      });
      return stored ?? one(id);
    },

    async update(id, draftIn, actor) {
      const draft = annotationDraftSchema.parse(draftIn);
      const row = rowOf(id);
      if (row.deletedAt !== null) throw new AnnotationError('NOT_FOUND', 'This annotation was deleted.');
      if (row.kind !== draft.kind) throw new AnnotationError('KIND_CHANGED', `A ${row.kind} stays a ${row.kind}: delete it and add a ${draft.kind}.`);
      const measured = await measure(row.scanId, draft);
      record.transaction(() => {
        db.update(annotations)
          .set({ geometryJson: JSON.stringify(draft), text: draft.kind === 'region' ? draft.label : (draft.note ?? null), measureJson: JSON.stringify(measured), updatedBy: actor.id, updatedAt: Date.now() })
          .where(and(eq(annotations.id, id), isNull(annotations.deletedAt)))
          .run();
        audit(actor, 'annotation.update', 'annotation', id);
      });
      return one(id);
    },

    remove(id, actor) {
      return record.transaction(() => {
        const row = rowOf(id);
        if (row.deletedAt === null) {
          db.update(annotations).set({ deletedAt: Date.now(), deletedBy: actor.id }).where(eq(annotations.id, id)).run();
          audit(actor, 'annotation.delete', 'annotation', id);
        }
        return one(id);
      });
    },

    restore(id, actor) {
      return record.transaction(() => {
        const row = rowOf(id);
        if (row.deletedAt !== null) {
          db.update(annotations).set({ deletedAt: null, deletedBy: null, updatedBy: actor.id, updatedAt: Date.now() }).where(eq(annotations.id, id)).run();
          audit(actor, 'annotation.restore', 'annotation', id);
        }
        return one(id);
      });
    },

    listByScan(scanId, actor) {
      return record.transaction(() => {
        if (!scanOf(scanId)) throw new AnnotationError('NOT_FOUND', 'No such scan in this clinic.');
        const rows = db.select().from(annotations).where(and(eq(annotations.scanId, scanId), isNull(annotations.deletedAt))).orderBy(asc(annotations.createdAt), asc(annotations.id)).all();
        audit(actor, 'annotation.list', 'scan', scanId);
        return toAnnotations(rows);
      });
    },

    listByWound(woundId, actor) {
      return record.transaction(() => {
        const rows = db
          .select({ a: annotations })
          .from(annotations)
          .innerJoin(scans, eq(scans.id, annotations.scanId))
          .where(and(eq(scans.woundId, woundId), isNull(annotations.deletedAt)))
          .orderBy(asc(scans.capturedAt), asc(annotations.createdAt), asc(annotations.id))
          .all()
          .map((r) => r.a);
        audit(actor, 'annotation.list', 'wound', woundId);
        return toAnnotations(rows);
      });
    },
  };
}
