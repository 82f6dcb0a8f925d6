/** Search key for names: accents folded, lower case, single spaces (so "Émile" is found by "emi"). */
export function searchKey(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The largest code point: `[p, p + PREFIX_END)` is every string starting with `p` (BINARY collation). */
const PREFIX_END = '\u{10FFFF}';

export function prefixRange(prefix: string): [string, string] {
  return [prefix, prefix + PREFIX_END];
}
