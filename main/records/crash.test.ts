/**
 * Crash safety: a child writes in a loop and is killed with SIGKILL mid-write, 20 times. Each
 * time the record must open, pass `PRAGMA integrity_check`, keep an intact audit chain and hold
 * every row the child reported as committed.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from './audit';
import { openClinicRecord } from './record';
import { patients } from './schema';
import { createDb, logger, type TestDb } from './test-helpers';

const tsx = createRequire(import.meta.url).resolve('tsx');
const fixture = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));

function runAndKill(t: TestDb, afterCommits: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, fixture, t.file, t.clinicId], { stdio: ['pipe', 'pipe', 'pipe'] });
    const committed: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    child.stdin.end(`${t.key.toString('hex')}\n`);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line !== 'ready') committed.push(line);
      if (!killed && committed.length >= afterCommits) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(committed);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  let t: TestDb;
  beforeAll(() => {
    t = createDb();
    t.record.dispose();
  });
  afterAll(() => t.dispose());

  it('survives kill -9 in the middle of a write loop, 20 times', { timeout: 240_000 }, async () => {
    const all: string[] = [];
    for (let round = 0; round < 20; round++) {
      // Kill at a varying point; the child keeps writing while the signal is on its way.
      const committed = await runAndKill(t, 3 + ((round * 7) % 40));
      expect(committed.length).toBeGreaterThan(0);
      all.push(...committed);
      const opened = openClinicRecord({ file: t.file, key: t.key, clinicId: t.clinicId, logger });
      if (!opened.ok) throw opened.error;
      try {
        expect(opened.record.integrityCheck()).toEqual({ ok: true });
        const ids = new Set(opened.record.db.select({ id: patients.id }).from(patients).all().map((r) => r.id));
        const missing = all.filter((id) => !ids.has(id));
        expect(missing).toEqual([]);
        expect(verifyAuditChain(opened.record)).toMatchObject({ ok: true });
      } finally {
        opened.record.dispose();
      }
    }
  });
});
