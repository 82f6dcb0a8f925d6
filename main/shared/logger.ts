/**
 * The one logger shape every service takes as an argument.
 *
 * Rule: nothing that identifies a patient and no secret (keys, passwords, tokens) is ever passed
 * to a logger — log ids, counts, codes and durations. Fields are a flat bag of primitives so a
 * sink can write them as JSON lines without serialising arbitrary objects by accident.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines carry `bindings` too (e.g. `{ service: 'records', clinicId }`). */
  child(bindings: LogFields): Logger;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  message: string;
  fields: LogFields;
  at: number;
}

/** A logger that hands each line to `sink`; the building block for console, file and test loggers. */
export function createLogger(sink: (line: LogLine) => void, bindings: LogFields = {}): Logger {
  const emit = (level: LogLevel, message: string, fields?: LogFields): void => sink({ level, message, fields: { ...bindings, ...fields }, at: Date.now() });
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (more) => createLogger(sink, { ...bindings, ...more }),
  };
}

/** JSON lines on stderr (stdout stays free for CLI output). */
export function createConsoleLogger(bindings: LogFields = {}): Logger {
  return createLogger((line) => process.stderr.write(`${JSON.stringify({ ...line, at: new Date(line.at).toISOString() })}\n`), bindings);
}

/** Keeps every line in memory: for tests that assert what was (and was not) logged. */
export function createMemoryLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return Object.assign(createLogger((line) => lines.push(line)), { lines });
}

export const silentLogger: Logger = createLogger(() => undefined);
