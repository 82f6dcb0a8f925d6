import { describe, expect, it } from 'vitest';
import { licenceReport, licenceVerdict } from './licences';

describe('licence rule for production dependencies', () => {
  it.each([
    ['MIT', true],
    ['Apache-2.0', true],
    ['LGPL-3.0-only', true],
    ['(MIT OR CC0-1.0)', true],
    ['(BSD-2-Clause OR MIT OR Apache-2.0)', true],
    ['GPL-3.0-or-later OR MIT', true],
    ['GPL-2.0-only', false],
    ['GPL-3.0+', false],
    ['AGPL-3.0-only', false],
    ['agpl-3.0', false],
    ['MIT AND GPL-2.0-only', false],
    ['(MIT AND ISC) AND (GPL-3.0-only OR AGPL-3.0-only)', false],
    ['GPL-2.0-only WITH Classpath-exception-2.0', false],
    ['', false],
  ])('%s → %s', (expr, ok) => {
    expect(licenceVerdict(expr).ok).toBe(ok);
  });

  it('a report from CycloneDX components names the refused package and why', () => {
    const report = licenceReport([
      { name: 'fine', version: '1.0.0', licenses: [{ license: { id: 'MIT' } }] },
      { group: '@evil', name: 'copyleft', version: '2.0.0', licenses: [{ license: { id: 'MIT' } }, { license: { id: 'AGPL-3.0-only' } }] },
      { name: 'silent', version: '0.1.0' },
    ]);
    expect(report.refused).toBe(2);
    expect(report.rows.find((r) => r.name === '@evil/copyleft')).toMatchObject({ ok: false, reason: 'AGPL-3.0-only may not ship in the product' });
    expect(report.rows.find((r) => r.name === 'silent')).toMatchObject({ ok: false, reason: 'no licence declared', licence: '(none)' });
  });
});
