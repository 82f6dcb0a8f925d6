/**
 * HTTP byte ranges (RFC 9110 §14) for the scan-file routes of both hosts. Only single ranges:
 * potree-core asks for one node's slice at a time and does not check the status, so a reply must
 * be exactly the requested bytes or an error status — never the whole file by mistake.
 */
export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number /* exclusive */ }
  | { kind: 'unsatisfiable' };

export function parseRange(header: string | null | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'unsatisfiable' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || last < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: last + 1 };
}
