/** The Incoming scans list is polled every 5 s: reads are audited per person and change, not per poll (issue 21 point 13). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../records/index';
import { createDb, nurse, doctor, type TestDb } from '../records/test-helpers';
import { auditInboxList, INBOX_READ_AUDIT_MS } from './scan-inbox';

let db: TestDb;
beforeEach(() => {
  db = createDb();
});
afterEach(() => db.dispose());

const listRows = () => listAudit(db.record, { entity: 'scan_inbox', limit: 1000 }).filter((r) => r.action === 'scan_inbox.list');

describe('auditing reads of the incoming scans', () => {
  it('a screen polling every 5 s for 40 s writes one row, not nine; new arrivals, another person or a later look write another', () => {
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 9; i++) auditInboxList(db.record, nurse, ['a', 'b'], t0 + i * 5000);
    expect(listRows()).toHaveLength(1);
    // Order of the entries does not make it new.
    expect(auditInboxList(db.record, nurse, ['b', 'a'], t0 + 45_000)).toBe(false);
    // A new arrival shows her something new.
    expect(auditInboxList(db.record, nurse, ['a', 'b', 'c'], t0 + 50_000)).toBe(true);
    expect(auditInboxList(db.record, nurse, ['a', 'b', 'c'], t0 + 55_000)).toBe(false);
    // Another person reading is their own read.
    expect(auditInboxList(db.record, doctor, ['a', 'b', 'c'], t0 + 56_000)).toBe(true);
    // The same list, looked at again a while later, is audited again.
    expect(auditInboxList(db.record, nurse, ['a', 'b', 'c'], t0 + 50_000 + INBOX_READ_AUDIT_MS)).toBe(true);
    expect(listRows().map((r) => r.actorId)).toEqual([nurse.id, doctor.id, nurse.id, nurse.id]);
  });
});
