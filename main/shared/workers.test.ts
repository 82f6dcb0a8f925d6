import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_ENTRIES, workerPath, type WorkerName } from './workers';

describe('worker registry', () => {
  it('every registered worker has its source file', () => {
    for (const name of Object.keys(WORKER_ENTRIES) as WorkerName[]) {
      expect(existsSync(workerPath(name)), name).toBe(true);
    }
  });
});
