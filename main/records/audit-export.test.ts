import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, listAudit, verifyAuditChain } from './audit';
import { csvField, exportAuditCsv } from './audit-export';
import { createDb, nurse, type TestDb } from './test-helpers';

let db: TestDb;
beforeEach(() => {
  db = createDb();
});
afterEach(() => db.dispose());

describe('audit log as CSV (issue 21 point 13)', () => {
  it('exports the filtered rows oldest first with named actors, and audits the export', () => {
    const now = Date.now();
    db.raw.prepare("INSERT INTO staff (id, username, display_name, password_hash, created_at, updated_at) VALUES (?, 'nina', 'Nurse, \"Nina\"', 'x', ?, ?)").run(nurse.id, now, now);
    db.raw.prepare("INSERT INTO devices (id, name, fingerprint, paired_at, created_at, updated_at) VALUES ('tab-1', '=cmd|calc', 'f', ?, ?, ?)").run(now, now, now);
    appendAudit(db.record, { actorId: nurse.id, actorRole: 'nurse', action: 'patient.read', entity: 'patient', entityId: 'p-1', at: Date.UTC(2026, 0, 2, 3, 4, 5) });
    appendAudit(db.record, { actorId: 'device:tab-1', actorRole: 'system', action: 'scan.import', entity: 'scan', entityId: 's-1', at: Date.UTC(2026, 0, 3) });
    appendAudit(db.record, { actorId: nurse.id, actorRole: 'nurse', action: 'wound.read', entity: 'wound', entityId: 'w-1', at: Date.UTC(2026, 0, 4) });
    const admin = { id: 'it-1', roles: ['it-admin'] as const };

    const { csv, rows } = exportAuditCsv(db.record, { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 4) }, admin);
    expect(rows).toBe(2);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,time_utc,actor_id,actor,role,action,record_type,record_id,hash');
    expect(lines[1]).toMatch(new RegExp(`^1,2026-01-02T03:04:05.000Z,${nurse.id},"Nurse, ""Nina"" \\(nina\\)",nurse,patient.read,patient,p-1,[0-9a-f]{64}$`));
    // A tablet by its name; a name that a spreadsheet would run as a formula is made text.
    expect(lines[2]).toContain(",device:tab-1,'=cmd|calc (tablet),system,scan.import,scan,s-1,");
    expect(listAudit(db.record, { limit: 1 })[0]).toMatchObject({ actorId: 'it-1', action: 'audit.export', entity: 'audit_log' });
    expect(verifyAuditChain(db.record).ok).toBe(true);

    expect(exportAuditCsv(db.record, { actorId: nurse.id }, admin).rows).toBe(2);
  });

  it('quotes what needs quoting and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(csvField('-5')).toBe("'-5");
    expect(csvField(42)).toBe('42');
  });
});
