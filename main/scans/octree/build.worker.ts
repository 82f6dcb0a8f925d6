/**
 * Worker thread that builds one octree chunk per message (see `build.ts`): it reads the chunk's
 * points from the shared, chunk-sorted columns and answers with the node list and the encoded
 * bytes (the subtree's and the ancestors' samples), transferred.
 */
import { parentPort } from 'node:worker_threads';
import { buildAndEncodeSubtree } from './build-subtree';
import { buildRequestSchema, type BuildReplyMessage } from './build-worker.schema';
import { isOctreeError } from './format';

const port = parentPort;
if (!port) throw new Error('build.worker.ts must run in a worker thread');

port.on('message', (raw: unknown) => {
  const parsed = buildRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' && raw.id >= 0 ? Math.floor(raw.id) : 0;
    const reply: BuildReplyMessage = { type: 'failed', id, error: { name: 'ProtocolError', code: 'INTERNAL', message: 'malformed request' } };
    port.postMessage(reply);
    return;
  }
  const { id, rootName, start, end, params, layout, columns } = parsed.data;
  try {
    const result = buildAndEncodeSubtree(columns, start, end, rootName, params, layout);
    const reply: BuildReplyMessage = {
      type: 'built',
      id,
      names: result.names,
      numPoints: result.numPoints,
      childMask: result.childMask,
      bytes: result.bytes,
      upperCounts: result.upperCounts,
      upperBytes: result.upperBytes,
    };
    const transfer = [result.bytes, result.numPoints, result.childMask, result.upperCounts, result.upperBytes].map((a) => a.buffer as ArrayBuffer);
    port.postMessage(reply, transfer);
  } catch (error) {
    const reply: BuildReplyMessage = {
      type: 'failed',
      id,
      error: isOctreeError(error)
        ? { name: error.name, code: error.code, message: error.message }
        : { name: error instanceof Error ? error.name : 'Error', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
    };
    port.postMessage(reply);
  }
});
