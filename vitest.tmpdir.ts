/**
 * vitest's global setup: one private temp dir per run. Every test process, and every child it
 * spawns, gets it as TMPDIR, so nothing a test or a library writes to the temp dir lands in the
 * system's. At the end the run fails if a test left anything of its own there (a test removes
 * what it creates); what libraries leave by themselves (tsx's compile cache, onnxruntime's empty
 * telemetry session files) goes with the dir.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Left in the temp dir by libraries, not by our tests. */
const LIBRARY_FILES = [/^tsx-\d+$/, /^mat-debug-\d+\.log$/, /^\.ses$/];

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'coherency-vitest-'));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    const left = readdirSync(dir).filter((name) => !LIBRARY_FILES.some((re) => re.test(name)));
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest reports an error thrown here but still exits 0: the exit code says it too.
      process.exitCode = 1;
      throw new Error(`tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp dir (${left.join(', ')}): a test removes what it creates.`);
    }
  };
}
