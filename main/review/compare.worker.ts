/**
 * The `review-compare` worker: registration and change map of two scans off the main thread
 * (seconds of CPU on large scans), reporting progress by stage.
 */
import { parentPort } from 'node:worker_threads';
import { compareScans } from './registration/compare';
import { compareRequestSchema, type CompareReply, type CompareStage } from './compare-worker.schema';

const post = (message: CompareReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(message, transfer);

parentPort?.on('message', (raw: unknown) => {
  const parsed = compareRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
    post({ type: 'failed', id, error: { code: 'INTERNAL', message: 'malformed request to the compare worker' } });
    return;
  }
  const { id, earlier, later, maxChangePoints } = parsed.data;
  try {
    let lastPost = 0;
    let lastStage: CompareStage | null = null;
    const progress = (stage: CompareStage, fraction: number) => {
      const now = performance.now();
      // At most one message per 100 ms within a stage, but every new stage is said at once.
      if (stage === lastStage && now - lastPost < 100 && fraction < 1) return;
      lastPost = now;
      lastStage = stage;
      post({ type: 'progress', id, stage, fraction });
    };
    const result = compareScans(earlier, later, {
      onProgress: (stage, fraction) => progress(stage, fraction),
      onChangeProgress: (fraction) => progress('change-map', fraction),
      maxChangePoints,
    });
    const r = result.registration.transform.r;
    const t = result.registration.transform.t;
    const change = result.change;
    post(
      {
        type: 'done',
        id,
        laterToEarlier: [r[0]!, r[1]!, r[2]!, t[0], r[3]!, r[4]!, r[5]!, t[1], r[6]!, r[7]!, r[8]!, t[2], 0, 0, 0, 1],
        rmsMm: result.registration.rmsMm,
        overlap: result.registration.overlap,
        noiseMm: result.registration.noiseMm,
        warnings: result.registration.warnings,
        start: result.registration.start,
        change: { positions: change.positions, changeMm: change.changeMm, scaleMm: change.scaleMm, measured: change.measured, laterWound: change.laterWound, earlierWound: change.earlierWound },
        timings: result.timings,
      },
      [change.positions.buffer as ArrayBuffer, change.changeMm.buffer as ArrayBuffer],
    );
  } catch (error) {
    post({ type: 'failed', id, error: { code: 'COMPARE_FAILED', message: error instanceof Error ? error.message : 'the comparison failed' } });
  }
});
