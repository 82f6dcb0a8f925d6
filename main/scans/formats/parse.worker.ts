/**
 * Worker thread that parses one scan file per message, off the main thread. Replies with
 * progress messages, then one result whose typed arrays' buffers are transferred.
 */
import { parentPort } from 'node:worker_threads';
import { cloudBuffers, errorPayload, parseRequestSchema, type ParseReplyMessage } from './parse-worker.schema';
import { readPointCloud } from './read';

const port = parentPort;
if (!port) throw new Error('parse.worker.ts must run in a worker thread');

port.on('message', (raw: unknown) => {
  const parsed = parseRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const reply: ParseReplyMessage = { type: 'result', ok: false, error: { name: 'ProtocolError', code: 'INTERNAL', format: 'unknown', offset: 0, message: 'malformed request' } };
    port.postMessage(reply);
    return;
  }
  const request = parsed.data;
  let lastSent = -1;
  const onProgress = (fraction: number) => {
    // At most about a hundred progress messages per file.
    if (fraction - lastSent < 0.01 && fraction < 1) return;
    lastSent = fraction;
    const reply: ParseReplyMessage = { type: 'progress', fraction };
    port.postMessage(reply);
  };
  const options = {
    onProgress,
    ...(request.fileName === undefined ? {} : { fileName: request.fileName }),
    ...(request.maxPoints === undefined ? {} : { maxPoints: request.maxPoints }),
    ...(request.applyE57Pose === undefined ? {} : { applyE57Pose: request.applyE57Pose }),
  };
  readPointCloud(request.bytes, options).then(
    (cloud) => {
      const reply: ParseReplyMessage = { type: 'result', ok: true, cloud };
      port.postMessage(reply, cloudBuffers(cloud));
    },
    (error: unknown) => {
      const reply: ParseReplyMessage = { type: 'result', ok: false, error: errorPayload(error) };
      port.postMessage(reply);
    },
  );
});
