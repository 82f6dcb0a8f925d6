/**
 * The `wound-measure` worker: measureWound off the main thread. Keeps the last few clouds it was
 * given (by key) so that re-measuring an edited outline sends only the outline.
 */
import { parentPort } from 'node:worker_threads';
import type { PointCloud } from '../../../common/point-cloud';
import { MeasureError, measureWound } from '../measure/index';
import { measureRequestSchema, type MeasureReply } from './measure-worker.schema';
import { summarise } from './summarise';

const MAX_CLOUDS = 2;
const clouds = new Map<string, PointCloud>();

parentPort?.on('message', (raw: unknown) => {
  const parsed = measureRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
    parentPort!.postMessage({ ok: false, id, error: { name: 'Error', code: 'INTERNAL', message: 'malformed request to the measure worker' } } satisfies MeasureReply);
    return;
  }
  const request = parsed.data;
  if (request.type === 'put') {
    clouds.delete(request.key);
    clouds.set(request.key, request.cloud);
    while (clouds.size > MAX_CLOUDS) clouds.delete(clouds.keys().next().value!);
    return;
  }
  if (request.type === 'drop') {
    clouds.delete(request.key);
    return;
  }
  const cloud = clouds.get(request.key);
  if (!cloud) {
    parentPort!.postMessage({ ok: false, id: request.id, error: { name: 'Error', code: 'CLOUD_MISSING', message: 'the scan is not loaded in the measure worker' } } satisfies MeasureReply);
    return;
  }
  try {
    const started = performance.now();
    const m = measureWound(cloud, request.outline, { ...(request.bodyAxis ? { bodyAxis: request.bodyAxis } : {}), ...(request.tissuePaint ? { tissuePaint: request.tissuePaint } : {}) });
    const ms = performance.now() - started;
    const reply = summarise(cloud, m, { perPoint: request.perPoint, maxOverlayPoints: request.maxOverlayPoints });
    const message: MeasureReply = { ok: true, id: request.id, ...reply, ms };
    const transfer: ArrayBuffer[] = [reply.lid.positions.buffer, reply.lid.indices.buffer, reply.overlay.positions.buffer, reply.overlay.depthMm.buffer, reply.overlay.tissue.buffer] as ArrayBuffer[];
    if (reply.perPoint) transfer.push(reply.perPoint.insideMask.buffer as ArrayBuffer, reply.perPoint.depthMm.buffer as ArrayBuffer);
    parentPort!.postMessage(message, transfer);
  } catch (error) {
    const e = error instanceof MeasureError
      ? { name: error.name, code: error.code, message: error.message }
      : { name: 'Error', code: 'INTERNAL', message: error instanceof Error ? error.message : 'measuring failed' };
    parentPort!.postMessage({ ok: false, id: request.id, error: e } satisfies MeasureReply);
  }
});
