import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditEntities, auditHash, auditNames, canonicalJson, countAudit, iterateAudit, listAudit, verifyAuditChain } from './audit';
import { createDb, explain, type TestDb } from './test-helpers';

let db: TestDb;
beforeEach(() => {
  db = createDb();
  for (let i = 1; i <= 6; i++) appendAudit(db.record, { actorId: `staff-${i % 2}`, actorRole: 'nurse', action: 'patient.read', entity: 'patient', entityId: `patient-${i}`, at: 1_700_000_000_000 + i });
});
afterEach(() => db.dispose());

describe('audit log', () => {
  it('chains rows and verifies an untouched chain', () => {
    expect(verifyAuditChain(db.record)).toEqual({ ok: true, rows: 6 });
    const rows = listAudit(db.record, { afterSeq: 0 });
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[0]!.prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
  });

  it('holds ids only', () => {
    const row = listAudit(db.record, { limit: 1 })[0]!;
    expect(Object.keys(row).sort()).toEqual(['action', 'actorId', 'actorRole', 'at', 'entity', 'entityId', 'hash', 'prevHash', 'seq']);
    expect(() => appendAudit(db.record, { actorId: 'x', actorRole: 'nurse', action: 'Patient read: Ada Lovelace', entity: 'patient' })).toThrow();
  });

  it('detects a row edited by hand, naming it', () => {
    db.raw.prepare("UPDATE audit_log SET entity_id = 'patient-99' WHERE seq = 3").run();
    expect(verifyAuditChain(db.record)).toEqual({ ok: false, firstBrokenId: 3, reason: expect.stringMatching(/edited/) });
  });

  it('detects an edit that also recomputes that row’s own hash (at the next link)', () => {
    const row = listAudit(db.record, { afterSeq: 2, limit: 1 })[0]!;
    const forged = { ...row, action: 'patient.update' };
    db.raw.prepare('UPDATE audit_log SET action = ?, hash = ? WHERE seq = 3').run(forged.action, auditHash(row.prevHash, forged));
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: false, firstBrokenId: 4 });
  });

  it('detects a deleted row', () => {
    db.raw.prepare('DELETE FROM audit_log WHERE seq = 4').run();
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: false, firstBrokenId: 5 });
  });

  it('detects deleted rows at the end (via the chain head)', () => {
    db.raw.prepare('DELETE FROM audit_log WHERE seq >= 5').run();
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: false, firstBrokenId: 5 });
  });

  it('detects reordered rows', () => {
    // Swap the contents (and hashes) of rows 2 and 3, keeping seq in order.
    const [r2, r3] = listAudit(db.record, { afterSeq: 1, limit: 2 });
    const put = db.raw.prepare('UPDATE audit_log SET actor_id = ?, actor_role = ?, action = ?, entity = ?, entity_id = ?, at = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    db.raw.transaction(() => {
      put.run(r3!.actorId, r3!.actorRole, r3!.action, r3!.entity, r3!.entityId, r3!.at, r3!.prevHash, r3!.hash, 2);
      put.run(r2!.actorId, r2!.actorRole, r2!.action, r2!.entity, r2!.entityId, r2!.at, r2!.prevHash, r2!.hash, 3);
    })();
    expect(verifyAuditChain(db.record)).toMatchObject({ ok: false, firstBrokenId: 2 });
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  });

  it('filters by entity through the 0001 index', () => {
    expect(listAudit(db.record, { entity: 'patient', entityId: 'patient-3' }).map((r) => r.seq)).toEqual([3]);
    const plan = db.raw
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY seq DESC')
      .all('patient', 'patient-3')
      .map((r) => (r as { detail: string }).detail)
      .join('\n');
    expect(plan).toContain('audit_log_entity_idx');
  });

  it('pages newest first, filters by staff member, record type and date range, and counts (issue 21 point 13)', () => {
    const t0 = 1_700_000_000_000;
    expect(listAudit(db.record, { limit: 2 }).map((r) => r.seq)).toEqual([6, 5]);
    expect(listAudit(db.record, { limit: 2, beforeSeq: 5 }).map((r) => r.seq)).toEqual([4, 3]);
    expect(listAudit(db.record, { limit: 2, beforeSeq: 3 }).map((r) => r.seq)).toEqual([2, 1]);
    expect(listAudit(db.record, { actorId: 'staff-0' }).map((r) => r.seq)).toEqual([6, 4, 2]);
    expect(listAudit(db.record, { from: t0 + 2, to: t0 + 5 }).map((r) => r.seq)).toEqual([4, 3, 2]);
    expect(listAudit(db.record, { actorId: 'staff-1', from: t0 + 2, to: t0 + 6, entity: 'patient' }).map((r) => r.seq)).toEqual([5, 3]);
    expect(countAudit(db.record, { actorId: 'staff-1' })).toBe(3);
    expect(countAudit(db.record, { entity: 'wound' })).toBe(0);
    expect([...iterateAudit(db.record, { actorId: 'staff-0' })].map((r) => r.seq)).toEqual([2, 4, 6]);
    // The staff and date filters use their own indexes, not a scan of the whole log.
    expect(explain(db, 'SELECT * FROM audit_log WHERE actor_id = ? ORDER BY seq DESC LIMIT 50', ['staff-0'])).toContain('audit_log_actor_idx');
    expect(explain(db, 'SELECT * FROM audit_log WHERE at >= ? AND at < ? ORDER BY seq DESC LIMIT 50', [t0, t0 + 3])).toContain('audit_log_at_idx');
  });

  it('names every actor the log holds: staff by name, tablets by their name, the app itself (issue 21 point 13)', () => {
    const now = Date.now();
    db.raw.prepare("INSERT INTO staff (id, username, display_name, password_hash, created_at, updated_at) VALUES ('staff-0', 'nina', 'Nina Nurse', 'x', ?, ?)").run(now, now);
    db.raw.prepare("INSERT INTO devices (id, name, fingerprint, paired_at, created_at, updated_at) VALUES ('tab-1', 'Ward tablet', 'f', ?, ?, ?)").run(now, now, now);
    appendAudit(db.record, { actorId: 'device:tab-1', actorRole: 'system', action: 'scan.import', entity: 'scan', entityId: 'scan-1' });
    const names = new Map(auditNames(db.record).map((n) => [n.id, n]));
    expect(names.get('staff-0')).toEqual({ id: 'staff-0', name: 'Nina Nurse (nina)', kind: 'staff' });
    expect(names.get('device:tab-1')).toEqual({ id: 'device:tab-1', name: 'Ward tablet (tablet)', kind: 'device' });
    expect(names.get('staff-1')).toEqual({ id: 'staff-1', name: 'staff-1', kind: 'unknown' });
    expect(names.get('system')?.kind).toBe('system');
    expect(auditEntities(db.record)).toEqual(['patient', 'scan']);
  });
});
