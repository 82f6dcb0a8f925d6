/**
 * Wound-finder worker (`spawnWorker('wound-find')`): the CPU-heavy steps of finding a wound in
 * a scan — view frame, splat render, lifting the mask back onto the points, region and boundary —
 * off the main thread. It serves one scan: `prepare`, then `finish` with the model's mask.
 */
import { parentPort } from 'node:worker_threads';
import { WoundFinderError } from './errors';
import { finishScan, prepareScan, type PreparedScan } from './pipeline';
import { woundFindRequestSchema, type WoundFindErrorPayload, type WoundFindReply } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('wound-find.worker.ts must run in a worker thread');

let prepared: PreparedScan | undefined;

function toPayload(error: unknown): WoundFindErrorPayload {
  if (error instanceof WoundFinderError) return { name: error.name, code: error.code, message: error.message };
  return { name: 'Error', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

port.on('message', (raw: unknown) => {
  const parsed = woundFindRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const reply: WoundFindReply = { type: 'result', ok: false, error: { name: 'Error', code: 'INTERNAL', message: 'malformed request to the wound-find worker' } };
    port.postMessage(reply);
    return;
  }
  const request = parsed.data;
  if (request.type === 'prepare') {
    try {
      prepared = prepareScan({
        positions: request.positions,
        count: request.count,
        colors: request.colors,
        normals: request.normals,
        viewDirection: request.viewDirection,
      });
      const { render, frame } = prepared;
      // The image goes to the caller (for the model); the z-buffer and projection stay here.
      const rgb = render.rgb;
      const reply: WoundFindReply = {
        type: 'image',
        ok: true,
        width: render.width,
        height: render.height,
        rgb,
        viewDirection: frame.d,
        viewSource: frame.source,
        spacingMm: prepared.spacingMm,
        pixelMm: render.pixelMm,
        ms: prepared.renderMs,
      };
      port.postMessage(reply, [rgb.buffer]);
    } catch (error) {
      const reply: WoundFindReply = { type: 'image', ok: false, error: toPayload(error) };
      port.postMessage(reply);
    }
    return;
  }
  try {
    if (!prepared) throw new Error('finish before prepare');
    const done = finishScan(prepared, request.mask);
    const reply: WoundFindReply = {
      type: 'result',
      ok: true,
      labels: done.labels,
      woundPointCount: done.woundPointCount,
      boundary: done.boundary,
      candidatePoints: done.diagnostics.candidatePoints,
      regionCount: done.diagnostics.regionCount,
      ms: done.liftMs,
    };
    port.postMessage(reply, [done.labels.buffer, done.boundary.buffer]);
  } catch (error) {
    const reply: WoundFindReply = { type: 'result', ok: false, error: toPayload(error) };
    port.postMessage(reply);
  }
});
