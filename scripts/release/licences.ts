/**
 * The licence rule for what the product ships: no GPL or AGPL (any version, "-only" or
 * "-or-later") in production dependencies. LGPL and permissive licences pass. SPDX expressions are
 * read as SPDX means them: `A OR B` passes when one side does (we may choose it), `A AND B` only
 * when both do. A package without a licence fails too: someone must look at it.
 */
export const FORBIDDEN_LICENCE = /^(A?GPL)-/i;

export type LicenceVerdict = { ok: true } | { ok: false; reason: string };

/** Splits on a top-level operator (outside parentheses). */
function splitTop(expr: string, op: 'OR' | 'AND'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  const tokens = expr.split(/(\(|\)|\s+)/);
  let pos = 0;
  for (const t of tokens) {
    if (t === '(') depth++;
    else if (t === ')') depth--;
    else if (depth === 0 && t === op) {
      parts.push(expr.slice(start, pos).trim());
      start = pos + t.length;
    }
    pos += t.length;
  }
  parts.push(expr.slice(start).trim());
  return parts.filter(Boolean);
}

function stripParens(expr: string): string {
  let e = expr.trim();
  while (e.startsWith('(') && e.endsWith(')') && splitTop(e.slice(1, -1), 'OR').join('') !== '' && balanced(e.slice(1, -1))) e = e.slice(1, -1).trim();
  return e;
}

function balanced(s: string): boolean {
  let d = 0;
  for (const c of s) {
    if (c === '(') d++;
    else if (c === ')' && --d < 0) return false;
  }
  return d === 0;
}

/** Whether a package under `expression` (SPDX id or expression; several declared licences are ANDed) may ship. */
export function licenceVerdict(expression: string | null | undefined): LicenceVerdict {
  if (!expression || !expression.trim()) return { ok: false, reason: 'no licence declared' };
  const e = stripParens(expression);
  const ors = splitTop(e, 'OR');
  if (ors.length > 1) {
    const verdicts = ors.map(licenceVerdict);
    return verdicts.some((v) => v.ok) ? { ok: true } : verdicts[0]!;
  }
  const ands = splitTop(e, 'AND');
  if (ands.length > 1) return ands.map(licenceVerdict).find((v) => !v.ok) ?? { ok: true };
  const id = e.replace(/\s+WITH\s+.*$/i, '').replace(/\+$/, '').trim();
  return FORBIDDEN_LICENCE.test(id) ? { ok: false, reason: `${id} may not ship in the product` } : { ok: true };
}

export interface SbomComponent {
  name: string;
  group?: string;
  version?: string;
  licenses?: Array<{ license?: { id?: string; name?: string }; expression?: string }>;
}

/** The licence expression of a CycloneDX component (several entries are all in force: ANDed). */
export function componentLicence(c: SbomComponent): string | null {
  const parts = (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name).filter((x): x is string => Boolean(x));
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' AND ');
}

export interface LicenceReport {
  rows: Array<{ name: string; version: string; licence: string; ok: boolean; reason?: string }>;
  refused: number;
}

export function licenceReport(components: readonly SbomComponent[]): LicenceReport {
  const rows = components.map((c) => {
    const licence = componentLicence(c);
    const v = licenceVerdict(licence);
    return { name: c.group ? `${c.group}/${c.name}` : c.name, version: c.version ?? '', licence: licence ?? '(none)', ok: v.ok, ...(v.ok ? {} : { reason: v.reason }) };
  });
  rows.sort((a, b) => a.name.localeCompare(b.name));
  return { rows, refused: rows.filter((r) => !r.ok).length };
}
