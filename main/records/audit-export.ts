/**
 * The audit log as CSV for IT (issue 21, point 13): the same filters as the viewer, every
 * matching row oldest first, actors named (staff, tablets) beside their ids. Ids only for
 * patients, as in the log itself. The export is itself audited.
 */
import { appendAudit, auditNames, iterateAudit, type AuditQuery } from './audit';
import type { ClinicRecord } from './record';
import { actorRole, type Actor } from './repositories/actor';

export const AUDIT_CSV_COLUMNS = ['seq', 'time_utc', 'actor_id', 'actor', 'role', 'action', 'record_type', 'record_id', 'hash'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading = + - @
 * (or tab/CR) gets a ' so a spreadsheet shows a staff name such as "=HYPERLINK(…)" as text.
 */
export function csvField(value: string | number | null): string {
  let v = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function exportAuditCsv(record: ClinicRecord, query: Omit<AuditQuery, 'afterSeq' | 'beforeSeq' | 'limit'>, actor: Actor): { csv: string; rows: number } {
  const names = new Map(auditNames(record).map((n) => [n.id, n.name]));
  const lines = [AUDIT_CSV_COLUMNS.join(',')];
  let rows = 0;
  for (const r of iterateAudit(record, query)) {
    lines.push([r.seq, new Date(r.at).toISOString(), r.actorId, names.get(r.actorId) ?? r.actorId, r.actorRole, r.action, r.entity, r.entityId, r.hash].map(csvField).join(','));
    rows++;
  }
  appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'audit.export', entity: 'audit_log', entityId: null });
  return { csv: `${lines.join('\r\n')}\r\n`, rows };
}
