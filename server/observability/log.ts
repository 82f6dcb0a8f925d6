/**
 * Structured JSON logs, one line per event on stdout: ids, counts, codes and durations only —
 * never a patient's name, MRN, contact or any row content, never a credential.
 */
export type Fields = Record<string, string | number | boolean | null | undefined>;

export interface Log {
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
  with(bindings: Fields): Log;
}

export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  event: string;
  fields: Fields;
}

export function createLog(write: (record: LogRecord) => void, bindings: Fields = {}): Log {
  const at = (level: LogRecord['level']) => (event: string, fields?: Fields) => write({ level, event, fields: { ...bindings, ...fields } });
  return { info: at('info'), warn: at('warn'), error: at('error'), with: (more) => createLog(write, { ...bindings, ...more }) };
}

export function jsonLog(bindings: Fields = {}, out: (line: string) => void = (l) => process.stdout.write(l)): Log {
  return createLog((r) => out(`${JSON.stringify({ ts: new Date().toISOString(), level: r.level, event: r.event, ...r.fields })}\n`), bindings);
}

export function memoryLog(): Log & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return Object.assign(createLog((r) => records.push(r)), { records });
}

export const quietLog: Log = createLog(() => undefined);
