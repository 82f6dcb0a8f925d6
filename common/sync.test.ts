/** The sync contract's row check: what a synced row may hold, and what a push with a bad row gets. */
import { describe, expect, it } from 'vitest';
import { pushInputSchema, rowSchema } from './sync';

describe('a synced row', () => {
  it('takes column names to text, finite numbers, true/false, null and short lists of text', () => {
    const row = { id: 'a1', pack_size: 10, price_cents: -5, active: true, note: null, roles: ['manager', 'nurse'], name: 'x'.repeat(100_000) };
    expect(rowSchema.parse(row)).toEqual(row);
    expect(rowSchema.parse(Object.assign(Object.create(null) as object, { id: 'a' }))).toEqual({ id: 'a' });
    expect(rowSchema.parse({})).toEqual({});
  });

  it.each([
    ['a column name in capitals', { Name: 'x' }],
    ['a column name with a dash', { 'given-name': 'x' }],
    ['a column name that is an injection', { 'id"; DROP TABLE x; --': 'x' }],
    ['"__proto__" as a column', JSON.parse('{"__proto__": {"admin": true}}') as unknown],
    ['an infinite number', { n: Number.POSITIVE_INFINITY }],
    ['NaN', { n: Number.NaN }],
    ['text over 100,000 characters', { note: 'x'.repeat(100_001) }],
    ['a nested object', { data: { a: 1 } }],
    ['a list of numbers', { roles: [1, 2] }],
    ['a list of 17 texts', { roles: Array.from({ length: 17 }, () => 'r') }],
    ['a list with a long text', { roles: ['r'.repeat(65)] }],
    ['undefined', { a: undefined }],
    ['an array', ['a']],
    ['a date', new Date()],
    ['text', 'row'],
  ])('refuses %s', (_what, value) => {
    expect(rowSchema.safeParse(value).success).toBe(false);
  });

  it('names where a push went wrong and what a row may hold', () => {
    const bad = { mutations: [{ id: 1, commandId: 'c1', name: 'records.change', args: {}, actorId: 's1', issuedAt: 1, effects: [{ table: 'rooms', key: 'r1', op: 'insert', before: null, after: { id: 'r1', extra: { nested: true } } }] }] };
    const out = pushInputSchema.safeParse(bad);
    expect(out.success).toBe(false);
    expect(out.error!.issues).toEqual([expect.objectContaining({ path: ['mutations', 0, 'effects', 0, 'after'], message: expect.stringMatching(/column names .* text, finite numbers/) })]);
  });
});
