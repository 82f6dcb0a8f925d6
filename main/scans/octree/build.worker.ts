/**
 * Worker thread of the octree writer (see `build.ts`). Per message it either builds one chunk —
 * reading the chunk's points from the shared, chunk-sorted columns, answering with the node list
 * and the encoded bytes (the subtree's and the ancestors' samples), transferred — or runs one
 * slice of a pass over the whole cloud (`passes.ts`) when the cloud is in shared memory.
 */
import { parentPort } from 'node:worker_threads';
import { buildAndEncodeSubtree } from './build-subtree';
import { buildRequestSchema, type BuildReplyMessage } from './build-worker.schema';
import { isOctreeError } from './format';
import { countCells, distribute, sliceBounds } from './passes';

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
  const request = parsed.data;
  const { id } = request;
  try {
    switch (request.type) {
      case 'build': {
        const { rootName, start, end, params, layout, columns } = request;
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
        return;
      }
      case 'bounds': {
        const reply: BuildReplyMessage = { type: 'bounded', id, ...sliceBounds(request.positions, request.start, request.end) };
        port.postMessage(reply);
        return;
      }
      case 'count': {
        const counts = new Uint32Array(request.cells);
        countCells(request.positions, request.start, request.end, request.grid, counts);
        const reply: BuildReplyMessage = { type: 'counted', id, counts };
        port.postMessage(reply, [counts.buffer]);
        return;
      }
      case 'distribute': {
        distribute(request.source, request.start, request.end, request.grid, request.cellChunk, request.cursor, request.out);
        const reply: BuildReplyMessage = { type: 'distributed', id };
        port.postMessage(reply);
        return;
      }
    }
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
