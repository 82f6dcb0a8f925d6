/**
 * What an attacker with the files but not the key sees: nothing readable. And what IT sees with
 * the key: a standard SQLCipher database the `sqlcipher` CLI can open.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPatientsRepository } from './repositories/patients';
import { createDb, nurse, type TestDb } from './test-helpers';

const PEOPLE = [
  { mrn: 'MRN-QX7731', givenName: 'Philippa', familyName: 'Featherstonehaugh' },
  { mrn: 'MRN-ZK4402', givenName: 'Bartholomew', familyName: 'Quackenbush' },
];
const NEEDLES = PEOPLE.flatMap((p) => [p.mrn, p.givenName, p.familyName, p.familyName.toLowerCase()]);

function containsAny(bytes: Buffer, needles: string[]): string[] {
  return needles.filter((n) => bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le')));
}

let db: TestDb | undefined;
afterEach(() => {
  db?.dispose();
  db = undefined;
});

function populated(): TestDb {
  db = createDb();
  const repo = createPatientsRepository(db.record);
  for (const p of PEOPLE) repo.create({ ...p, dateOfBirth: '1944-04-04', sex: 'female', address: `${p.familyName} House, 1 High Street` }, nurse);
  return db;
}

/** The SQLCipher version of the `sqlcipher` CLI, or null when it is not installed. */
function cliCipherVersion(): string | null {
  const r = spawnSync('sqlcipher', [':memory:'], { input: 'PRAGMA cipher_version;\n', encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(/\s/)[0] || null : null;
}
const cliVersion = cliCipherVersion();
const cliMajor = cliVersion ? Number(cliVersion.split('.')[0]) : 0;
/** In CI the CLI must be installed; a SQLCipher ≥ 4 CLI is required where one is promised (.ci/run builds Debian's 4.x package, since Debian 12's is 3.4.1). */
const requireCli = Boolean(process.env.CI || process.env.COHERENCY_REQUIRE_SQLCIPHER);
const requireCli4 = process.env.COHERENCY_REQUIRE_SQLCIPHER === '4';

describe('confidentiality', () => {
  it('neither the record nor its WAL contains a name or MRN as bytes', () => {
    const t = populated();
    // While open the latest rows are in the WAL; check both files, then the checkpointed file.
    expect(existsSync(`${t.file}-wal`)).toBe(true);
    expect(containsAny(readFileSync(`${t.file}-wal`), NEEDLES)).toEqual([]);
    expect(containsAny(readFileSync(t.file), NEEDLES)).toEqual([]);
    t.record.checkpoint();
    expect(containsAny(readFileSync(t.file), NEEDLES)).toEqual([]);
    // No plaintext SQLite header either: the first 16 bytes are SQLCipher's random salt.
    expect(readFileSync(t.file).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    // Sanity check of the check itself: the names are really stored.
    expect(createPatientsRepository(t.record).search({ query: 'featherstone' }, nurse).items).toHaveLength(1);
  });

  it.skipIf(!cliVersion && !requireCli)('the sqlcipher CLI cannot read the record without the key', () => {
    expect(cliVersion, 'the `sqlcipher` CLI is required here (Debian package sqlcipher)').toBeTruthy();
    const t = populated();
    t.record.dispose();
    const r = spawnSync('sqlcipher', [t.file], { input: 'SELECT family_name FROM patients;\n', encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toMatch(/file is (encrypted or is )?not a database/);
    expect(r.stdout).not.toContain('Featherstonehaugh');
  });

  // Debian 12 ships SQLCipher 3.4.1, which predates the SQLCipher 4 format (HMAC-SHA512 pages) and so
  // cannot open our record even with the key; .ci/sqlcipher4.sh builds Debian's 4.x source package.
  // Outside CI the check runs wherever the CLI is SQLCipher 4 or later.
  it.skipIf(cliMajor < 4 && !requireCli4)(`the sqlcipher CLI (SQLCipher ${cliVersion ?? 'absent'}; needs ≥ 4) opens the record with the key`, () => {
    expect(cliMajor, `the sqlcipher CLI is SQLCipher ${cliVersion}; the record is SQLCipher 4 format`).toBeGreaterThanOrEqual(4);
    const t = populated();
    t.record.dispose();
    const script = `PRAGMA key = "x'${t.key.toString('hex')}'";\nSELECT mrn, family_name FROM patients ORDER BY mrn;\n`;
    const out = execFileSync('sqlcipher', [t.file], { input: script, encoding: 'utf8' });
    expect(out).toContain('MRN-QX7731|Featherstonehaugh');
    expect(out).toContain('MRN-ZK4402|Quackenbush');
  });
});
