/** Search key for names: accents folded, lower case, single spaces (so "Émile" is found by "emi"). */
export function searchKey(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The words of a search query, folded like the keys: "Nguyễn, Thị" → ["nguyen", "thi"]. Commas
 * and semicolons separate words, so the displayed "Family, Given" form finds the patient too.
 */
export function searchWords(query: string): string[] {
  return [...new Set(searchKey(query.replace(/[,;]/g, ' ')).split(' ').filter(Boolean))];
}
