/**
 * The LAN receiver: an HTTPS server tablets pair with and upload scans to.
 *
 *   POST /pair               { code, deviceName, app } → 201 { deviceId, token }
 *   POST /files/             tus creation (Upload-Length, Upload-Metadata)       ┐ Authorization:
 *   HEAD|PATCH|DELETE /files/<id>   tus resume / append / terminate             ┘ Bearer <token>
 *
 * Everything it writes stays under `dataDir` (owner-only: folders 0700, files 0600):
 *   tls/cert.pem        the workstation certificate (its key is in the keychain)
 *   devices.json        paired devices, token hashes only (JsonDevicesStore, unless one is given)
 *   uploads/<id>        tus partial uploads (+ <id>.json, tus' own bookkeeping)
 *   received/<id>.<ext> verified files waiting for the importer (+ <id>.json: metadata sidecar)
 *
 * A partial upload is plaintext patient data (the scan, and the MRN in its metadata), so it lives
 * only while its upload is live: the upload area is emptied when the receiver starts and stops, a
 * revoked tablet's partial uploads are removed with it, and an upload that received nothing for
 * `unfinishedUploadIdleMs` (default 10 minutes) is removed. A tablet whose upload was removed
 * starts it again (tus answers 404 to the resume).
 *
 * File ids are generated (32 hex digits); names sent by tablets are metadata only.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces, hostname } from 'node:os';
import { extname, join } from 'node:path';
import { Server as TusServer, EVENTS } from '@tus/server';
import type { Upload } from '@tus/utils';
import QRCode from 'qrcode';
import { z } from 'zod';
import { loadOrCreateTlsIdentity, type TlsIdentity } from './certificate';
import { createJsonDevicesStore } from './devices-store';
import { startAdvertising } from './discovery';
import { LanError } from './errors';
import { DisposableStore, Emitter, type Disposable, type Event } from './events';
import { pairRequestSchema, parseUploadMetadata } from './lan.schema';
import { PairingCodes, type PairingCodeOptions } from './pairing';
import { ensurePrivateDir, HashingFileStore, sweepUploadArea } from './upload-store';
import type {
  DeviceInfo,
  DeviceRecord,
  DevicesStore,
  KeyStore,
  LanLogger,
  LanState,
  PairingOffer,
  UploadCompleteEvent,
  UploadInFlight,
  UploadMetadata,
  UploadRejectedEvent,
} from './types';

export const DEFAULT_PORT = 8443;
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
export const TUS_PATH = '/files';
export const PAIR_PATH = '/pair';

export interface LanReceiverOptions {
  /** The receiver's own folder (upload area, certificate, devices file). Nothing is written outside it. */
  dataDir: string;
  keyStore: KeyStore;
  logger: LanLogger;
  /** The import pipeline. Called once per verified file, after the tablet got its 204; call `acknowledge()` when done. */
  onUploadComplete: (e: UploadCompleteEvent) => Promise<void> | void;
  /** Where paired devices are kept; default a JSON file in dataDir. */
  devices?: DevicesStore;
  /** Optional: says whether the patient is known here, so a completion can be flagged `unassigned`. */
  isKnownPatient?: (ref: { patientMrn?: string; worklistId?: string }) => Promise<boolean>;
  /** Interface to listen on; default all ('0.0.0.0'). Tests use '127.0.0.1'. */
  host?: string;
  /** Default 8443; 0 picks a free port. */
  port?: number;
  /** The host tablets are told to connect to (pairing payload); default the first listening address. */
  advertisedHost?: string;
  /** DNS-SD on the LAN (multicast). Default false. */
  advertise?: boolean;
  /** DNS-SD instance name; default "Coherency on <hostname>". */
  instanceName?: string;
  /** Clinic display name for the DNS-SD TXT record (never patient data). */
  clinicName?: string;
  /** Largest accepted file; default 2 GiB. Larger → 413. */
  maxUploadBytes?: number;
  /** An unfinished upload that received no bytes for this long is removed; default 10 minutes. */
  unfinishedUploadIdleMs?: number;
  pairing?: PairingCodeOptions;
}

export interface LanReceiver {
  start(): Promise<LanState>;
  stop(): Promise<void>;
  state(): LanState;
  /** A one-time pairing code and its QR code; replaces any earlier offer. Needs a running receiver. */
  createPairingOffer(): Promise<PairingOffer>;
  cancelPairingOffer(): void;
  listDevices(): Promise<DeviceInfo[]>;
  renameDevice(id: string, name: string): Promise<void>;
  /** The device's token stops working at once; its requests in progress are cut off. */
  revokeDevice(id: string): Promise<void>;
  /** The importer is done with a received file: remove it and its sidecar. Idempotent. */
  acknowledge(uploadId: string): Promise<void>;
  readonly onDidChangeState: Event<LanState>;
  readonly onDidRejectUpload: Event<UploadRejectedEvent>;
  dispose(): Promise<void>;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MAX_PAIR_BODY = 4096;
const PROGRESS_EVENT_INTERVAL_MS = 250;
export const DEFAULT_UNFINISHED_UPLOAD_IDLE_MS = 10 * 60_000;

const sidecarSchema = z.object({
  v: z.literal(1),
  uploadId: z.string().regex(UPLOAD_ID),
  fileName: z.string().regex(/^[0-9a-f]{32}(\.[a-z0-9]{1,10})?$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  deviceId: z.string(),
  bytesReceived: z.number().int().nonnegative(),
  metadata: z.record(z.string(), z.string()),
});

type TusError = { status_code: number; body: string };
const tusError = (status_code: number, body: string): TusError => ({ status_code, body: `${body}\n` });

const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

const deviceInfo = ({ tokenHash: _omit, ...d }: DeviceRecord): DeviceInfo => d;

function listeningAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4' || host === '::') out.push(a.address);
    }
  }
  return out;
}

/** The Node request under a srvx request (how @tus/server hands requests to hooks). */
function nodeRequestOf(req: unknown): IncomingMessage | undefined {
  return (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The request as @tus/server's web handler takes it. Its own Node adapter (srvx) bridges the body
 * with `Readable.toWeb`, which on Node 20 moves one 16 KiB TLS record at a time through every
 * stage (web stream, proxy, size limiter, hash, file); in bench/lan that cost about a third of the
 * throughput. This bridge hands on 256 KiB pieces and buffers up to 1 MiB before pausing the socket.
 * `runtime.node` is what @tus/server looks for to abort a request whose client went away.
 */
function toWebRequest(req: IncomingMessage, res: ServerResponse): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  const body = method === 'POST' || method === 'PATCH' ? nodeToWebStream(req) : null;
  const request = new Request(`https://receiver.invalid${req.url ?? '/'}`, { method, headers, body, ...(body ? { duplex: 'half' } : {}) } as RequestInit);
  Object.defineProperty(request, 'runtime', { value: { name: 'node', node: { req, res } } });
  return request;
}

const BODY_PIECE = 256 * 1024;

function nodeToWebStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let finished = false;
  const flush = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    if (!pendingBytes) return;
    const piece = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    controller.enqueue(new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength));
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= BODY_PIECE) {
            flush(controller);
            if ((controller.desiredSize ?? 1) <= 0) req.pause();
          }
        });
        req.once('end', () => {
          if (finished) return;
          finished = true;
          flush(controller);
          controller.close();
        });
        req.once('close', () => {
          if (finished || req.complete) return;
          finished = true;
          // End (not error, which would drop what is queued): what arrived before the cut is
          // written, the upload's offset says so, and the tablet resumes after it.
          flush(controller);
          controller.close();
        });
      },
      pull() {
        req.resume();
      },
      cancel(reason) {
        finished = true;
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 1 << 20 }),
  );
}

async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  if (body) headers['content-length'] = String(body.length);
  // A refused request whose body was not read: close rather than leave the connection mid-body.
  if (!res.req.complete) headers['connection'] = 'close';
  res.writeHead(response.status, headers);
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Empties a (stopped) receiver's upload area: for the workstation to call when it starts, so that
 * an upload cut by a crash or a kill leaves no plaintext even if the receiver is never started
 * again. Returns how many unfinished uploads were removed.
 */
export async function sweepReceiverUploads(receiverDir: string): Promise<number> {
  return sweepUploadArea(join(receiverDir, 'uploads'));
}

export function createLanReceiver(opts: LanReceiverOptions): LanReceiver {
  const log = opts.logger;
  const uploadsDir = join(opts.dataDir, 'uploads');
  const receivedDir = join(opts.dataDir, 'received');
  const certPath = join(opts.dataDir, 'tls', 'cert.pem');
  const devices = opts.devices ?? createJsonDevicesStore(join(opts.dataDir, 'devices.json'));
  const maxUploadBytes = opts.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const idleMs = opts.unfinishedUploadIdleMs ?? DEFAULT_UNFINISHED_UPLOAD_IDLE_MS;
  const bindHost = opts.host ?? '0.0.0.0';
  const codes = new PairingCodes(opts.pairing);

  const stateEmitter = new Emitter<LanState>();
  const rejectEmitter = new Emitter<UploadRejectedEvent>();

  let server: HttpsServer | null = null;
  let identity: TlsIdentity | null = null;
  let port: number | null = null;
  let addresses: string[] = [];
  let running = false;
  let devicesCache: DeviceRecord[] = [];
  let runStore: DisposableStore | null = null;
  let advertising = false;
  let store: HashingFileStore | null = null;

  /** Upload id → the device that created it (ownership), filled at creation or from tus' bookkeeping. */
  const owners = new Map<string, string>();
  const inFlight = new Map<string, UploadInFlight>();
  /** Upload body bytes received by this process per upload (resumes and retries included). */
  const bytesReceived = new Map<string, number>();
  /** Which device each live request belongs to, so a revocation can cut it off. */
  const deviceOfRequest = new WeakMap<IncomingMessage, DeviceRecord>();
  const liveRequests = new Map<string, Set<IncomingMessage>>();
  /** When each unfinished upload last received a byte (or was created): idle ones are removed. */
  const lastActivity = new Map<string, number>();
  const sockets = new Set<Socket>();

  // ---------------------------------------------------------------- state
  const state = (): LanState => ({
    running,
    addresses: running ? [...addresses] : [],
    port: running ? port : null,
    fingerprint: identity?.fingerprint ?? null,
    advertising,
    pairingOffer: running ? (codes.active() && { expiresAt: codes.active()!.expiresAt.toISOString() }) : null,
    pairedDevices: devicesCache.filter((d) => !d.revokedAt).map(deviceInfo),
    uploadsInFlight: [...inFlight.values()].map((u) => ({ ...u })),
  });
  let progressTimer: NodeJS.Timeout | null = null;
  const fireState = (): void => {
    if (progressTimer) {
      clearTimeout(progressTimer);
      progressTimer = null;
    }
    stateEmitter.fire(state());
  };
  const fireStateSoon = (): void => {
    progressTimer ??= setTimeout(fireState, PROGRESS_EVENT_INTERVAL_MS);
  };
  const refreshDevices = async (): Promise<void> => {
    devicesCache = await devices.list();
  };

  // ---------------------------------------------------------------- auth
  type AuthResult = { ok: true; device: DeviceRecord } | { ok: false; error: 'missing_token' | 'unknown_token' | 'device_revoked' };
  async function authenticate(req: IncomingMessage): Promise<AuthResult> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return { ok: false, error: 'missing_token' };
    const token = m[1]!;
    if (!TOKEN.test(token)) return { ok: false, error: 'unknown_token' };
    const device = await devices.findByTokenHash(sha256Hex(token));
    if (!device) return { ok: false, error: 'unknown_token' };
    if (device.revokedAt) return { ok: false, error: 'device_revoked' };
    return { ok: true, device };
  }

  // ---------------------------------------------------------------- pairing
  async function handlePair(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
    const remote = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    const text = await readBody(req, MAX_PAIR_BODY);
    if (text === null) return sendJson(res, 413, { error: 'body_too_large' });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', detail: 'body must be JSON' });
    }
    const parsed = pairRequestSchema.safeParse(json);
    if (!parsed.success) {
      return sendJson(res, 400, { error: 'invalid_request', detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    }
    const attempt = codes.attempt(remote, parsed.data.code);
    if (!attempt.ok) {
      log.warn('lan.pair.refused', { reason: attempt.error, remote });
      if (attempt.status === 429) return sendJson(res, 429, { error: attempt.error }, { 'retry-after': String(attempt.retryAfterS) });
      fireState();
      return sendJson(res, attempt.status, { error: attempt.error });
    }
    const token = randomBytes(32).toString('base64url');
    const device: DeviceRecord = {
      id: randomUUID(),
      name: parsed.data.deviceName,
      app: parsed.data.app,
      tokenHash: sha256Hex(token),
      pairedAt: new Date().toISOString(),
    };
    await devices.add(device);
    await refreshDevices();
    log.info('lan.pair.ok', { deviceId: device.id, remote });
    fireState();
    sendJson(res, 201, { deviceId: device.id, token });
  }

  // ---------------------------------------------------------------- uploads
  async function ownerOf(id: string): Promise<string | null> {
    const known = owners.get(id);
    if (known) return known;
    try {
      const upload = await store!.getUpload(id);
      const deviceId = upload.metadata?.['_deviceId'];
      if (!deviceId) return null;
      owners.set(id, deviceId);
      if (upload.size !== undefined && upload.offset < upload.size && !inFlight.has(id)) {
        const device = devicesCache.find((d) => d.id === deviceId);
        inFlight.set(id, { id, deviceId, deviceName: device?.name ?? '', bytesReceived: upload.offset, size: upload.size, startedAt: new Date(upload.creation_date ?? Date.now()).toISOString() });
      }
      return deviceId;
    } catch {
      return null;
    }
  }

  function onUploadBytes(id: string, n: number): void {
    lastActivity.set(id, Date.now());
    bytesReceived.set(id, (bytesReceived.get(id) ?? 0) + n);
    const u = inFlight.get(id);
    if (u) {
      u.bytesReceived += n;
      fireStateSoon();
    }
  }

  async function onUploadCreate(req: unknown, upload: Upload): Promise<{ metadata: Record<string, string | null> }> {
    const node = nodeRequestOf(req);
    const device = node ? deviceOfRequest.get(node) : undefined;
    if (!device) throw tusError(401, 'Unauthorized');
    const parsed = parseUploadMetadata(upload.metadata);
    if (!parsed.ok) {
      log.warn('lan.upload.refused', { reason: 'invalid_metadata', deviceId: device.id });
      throw tusError(400, `Invalid Upload-Metadata: ${parsed.message}`);
    }
    return { metadata: { ...upload.metadata, _deviceId: device.id } };
  }

  function onUploadCreated(_req: unknown, upload: Upload): void {
    const deviceId = upload.metadata?.['_deviceId'];
    if (!deviceId) return;
    owners.set(upload.id, deviceId);
    lastActivity.set(upload.id, Date.now());
    const device = devicesCache.find((d) => d.id === deviceId);
    inFlight.set(upload.id, { id: upload.id, deviceId, deviceName: device?.name ?? '', bytesReceived: 0, size: upload.size ?? 0, startedAt: new Date().toISOString() });
    log.info('lan.upload.created', { uploadId: upload.id, deviceId, size: upload.size ?? null });
    fireState();
  }

  async function onUploadFinish(_req: unknown, upload: Upload): Promise<Record<string, never>> {
    const started = performance.now();
    const deviceId = upload.metadata?.['_deviceId'] ?? '';
    const { _deviceId: _drop, ...clientMetadata } = upload.metadata ?? {};
    const parsed = parseUploadMetadata(clientMetadata);
    const size = upload.size ?? upload.offset;
    const partPath = join(uploadsDir, upload.id);
    inFlight.delete(upload.id);
    lastActivity.delete(upload.id);
    if (!parsed.ok) throw tusError(400, 'Invalid Upload-Metadata');
    const sha256 = await store!.digest(upload.id, size, partPath);
    if (sha256 !== parsed.value.sha256) {
      await store!.remove(upload.id).catch(() => undefined);
      owners.delete(upload.id);
      bytesReceived.delete(upload.id);
      log.warn('lan.upload.rejected', { uploadId: upload.id, deviceId, reason: 'checksum_mismatch', size });
      rejectEmitter.fire({ uploadId: upload.id, deviceId, reason: 'checksum_mismatch' });
      fireState();
      // 460 is the tus checksum extension's "Checksum Mismatch".
      throw tusError(460, 'Checksum Mismatch: the file was discarded; upload it again');
    }
    const ext = extname(parsed.value.filename).toLowerCase();
    const fileName = `${upload.id}${/^\.[a-z0-9]{1,10}$/.test(ext) ? ext : ''}`;
    const sidecar: z.infer<typeof sidecarSchema> = {
      v: 1,
      uploadId: upload.id,
      fileName,
      sha256,
      size,
      deviceId,
      bytesReceived: bytesReceived.get(upload.id) ?? 0,
      metadata: clientMetadata as Record<string, string>,
    };
    await ensurePrivateDir(receivedDir);
    await writeFile(join(receivedDir, `${upload.id}.json`), JSON.stringify(sidecar), { mode: 0o600 });
    await rename(partPath, join(receivedDir, fileName));
    await store!.configstore.delete(upload.id);
    owners.delete(upload.id);
    bytesReceived.delete(upload.id);
    log.info('lan.upload.received', { uploadId: upload.id, deviceId, size, verifyMs: Math.round(performance.now() - started) });
    fireState();
    // After the tablet has its answer: the importer may take a while.
    setImmediate(() => void deliver(sidecar, parsed.value, false));
    return {};
  }

  async function deliver(sidecar: z.infer<typeof sidecarSchema>, metadata: UploadMetadata, redelivered: boolean): Promise<void> {
    try {
      const unassigned = opts.isKnownPatient
        ? !(await opts.isKnownPatient({
            ...(metadata.patientMrn !== undefined ? { patientMrn: metadata.patientMrn } : {}),
            ...(metadata.worklistId !== undefined ? { worklistId: metadata.worklistId } : {}),
          }))
        : undefined;
      await opts.onUploadComplete({
        uploadId: sidecar.uploadId,
        filePath: join(receivedDir, sidecar.fileName),
        sha256: sidecar.sha256,
        size: sidecar.size,
        metadata,
        deviceId: sidecar.deviceId,
        bytesReceived: sidecar.bytesReceived,
        ...(unassigned !== undefined ? { unassigned } : {}),
        redelivered,
      });
    } catch (e) {
      // The file stays in received/ and is offered again at the next start.
      log.error('lan.upload.import_failed', { uploadId: sidecar.uploadId, deviceId: sidecar.deviceId, error: e instanceof Error ? e.name : 'unknown' });
      rejectEmitter.fire({ uploadId: sidecar.uploadId, deviceId: sidecar.deviceId, reason: 'import_failed' });
    }
  }

  /** Files verified before a restart whose import was never acknowledged are offered again. */
  async function redeliverPending(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(receivedDir);
    } catch {
      return;
    }
    for (const name of names.filter((n) => /^[0-9a-f]{32}\.json$/.test(n))) {
      try {
        const sidecar = sidecarSchema.parse(JSON.parse(await readFile(join(receivedDir, name), 'utf8')));
        const parsed = parseUploadMetadata(sidecar.metadata);
        if (!parsed.ok) continue;
        setImmediate(() => void deliver(sidecar, parsed.value, true));
      } catch {
        log.warn('lan.upload.sidecar_unreadable', { file: name });
      }
    }
  }

  let tus: TusServer | null = null;

  async function handleFiles(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const auth = await authenticate(req);
    if (!auth.ok) {
      log.warn('lan.auth.refused', { reason: auth.error });
      return sendJson(res, 401, { error: auth.error }, { 'www-authenticate': `Bearer realm="coherency-scan", error="invalid_token"`, 'tus-resumable': '1.0.0' });
    }
    const device = auth.device;
    const rest = path.slice(TUS_PATH.length).replace(/^\//, '');
    if (req.method === 'GET') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST, HEAD, PATCH, DELETE, OPTIONS' });
    if (rest === '') {
      if (req.method === 'POST') {
        if (req.headers['upload-length'] === undefined) return sendJson(res, 400, { error: 'upload_length_required' }, { 'tus-resumable': '1.0.0' });
        // An empty file is no scan: refused before anything is created (no upload, no inbox entry).
        if (/^\s*0+\s*$/.test(String(req.headers['upload-length']))) {
          log.warn('lan.upload.refused', { reason: 'empty_upload', deviceId: device.id });
          return sendJson(res, 400, { error: 'empty_upload', detail: 'Upload-Length is 0: an empty file is not a scan' }, { 'tus-resumable': '1.0.0' });
        }
      } else if (req.method !== 'OPTIONS') {
        return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST, OPTIONS' });
      }
    } else {
      if (!UPLOAD_ID.test(rest)) return sendJson(res, 404, { error: 'not_found' }, { 'tus-resumable': '1.0.0' });
      const owner = await ownerOf(rest);
      if (owner !== device.id) return sendJson(res, 404, { error: 'not_found' }, { 'tus-resumable': '1.0.0' });
      if (req.method === 'DELETE') {
        inFlight.delete(rest);
        owners.delete(rest);
        lastActivity.delete(rest);
        store!.forget(rest);
        fireState();
      }
    }
    deviceOfRequest.set(req, device);
    let live = liveRequests.get(device.id);
    if (!live) liveRequests.set(device.id, (live = new Set()));
    live.add(req);
    res.once('close', () => live.delete(req));
    await sendWebResponse(res, await tus!.handleWeb(toWebRequest(req, res)));
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (path === PAIR_PATH) return await handlePair(req, res);
      if (path === TUS_PATH || path.startsWith(`${TUS_PATH}/`)) return await handleFiles(req, res, path);
      sendJson(res, 404, { error: 'not_found' });
    } catch (e) {
      log.error('lan.request.failed', { error: e instanceof Error ? e.name : 'unknown', code: e instanceof LanError ? e.code : null });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    }
  }

  // ---------------------------------------------------------------- lifecycle
  /** Removes one unfinished upload (its partial file and bookkeeping) and forgets it. */
  async function discardUpload(id: string, reason: 'idle' | 'revoked'): Promise<void> {
    const deviceId = owners.get(id) ?? inFlight.get(id)?.deviceId ?? null;
    inFlight.delete(id);
    owners.delete(id);
    bytesReceived.delete(id);
    lastActivity.delete(id);
    store?.forget(id);
    await rm(join(uploadsDir, id), { force: true });
    await rm(join(uploadsDir, `${id}.json`), { force: true });
    log.info('lan.upload.discarded', { uploadId: id, deviceId, reason });
    fireState();
  }

  /** Unfinished uploads on disk now (ids), whether or not this process has seen them. */
  async function unfinishedUploads(): Promise<string[]> {
    const names = await readdir(uploadsDir).catch(() => [] as string[]);
    return [...new Set(names.map((n) => n.replace(/\.json$/, '')).filter((n) => UPLOAD_ID.test(n)))];
  }

  async function sweepIdle(): Promise<void> {
    const now = Date.now();
    for (const id of await unfinishedUploads()) {
      const last = lastActivity.get(id);
      if (last === undefined) lastActivity.set(id, now);
      else if (now - last >= idleMs) await discardUpload(id, 'idle');
    }
  }

  async function sweepAll(reason: 'start' | 'stop'): Promise<void> {
    const count = await sweepUploadArea(uploadsDir);
    lastActivity.clear();
    if (count) log.info('lan.upload.swept', { count, reason });
  }

  // ---------------------------------------------------------------- lifecycle
  async function start(): Promise<LanState> {
    if (running) throw new LanError('ALREADY_RUNNING', 'The LAN receiver is already running.');
    await ensurePrivateDir(opts.dataDir);
    await ensurePrivateDir(uploadsDir);
    // Whatever a previous run left (a crash, a kill) is not resumed: its plaintext goes now.
    await sweepAll('start');
    identity = await loadOrCreateTlsIdentity({ keyStore: opts.keyStore, certPath, logger: log });
    await refreshDevices();
    store = new HashingFileStore({ directory: uploadsDir, onBytes: onUploadBytes });
    tus = new TusServer({
      path: TUS_PATH,
      datastore: store,
      maxSize: maxUploadBytes,
      relativeLocation: true,
      respectForwardedHeaders: false,
      allowedOrigins: [],
      disableTerminationForFinishedUploads: true,
      namingFunction: () => randomBytes(16).toString('hex'),
      onUploadCreate,
      onUploadFinish,
      onResponseError: (_req, err) => {
        if (err instanceof Error) log.error('lan.upload.error', { error: err.name });
        return undefined;
      },
    });
    tus.on(EVENTS.POST_CREATE, onUploadCreated);

    const run = new DisposableStore();
    const srv = createHttpsServer({ key: identity.keyPem, cert: identity.certPem, minVersion: 'TLSv1.2', requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 30_000 });
    srv.timeout = 120_000;
    srv.on('request', (req: IncomingMessage, res: ServerResponse) => void handleRequest(req, res));
    srv.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    srv.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(opts.port ?? DEFAULT_PORT, bindHost, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    srv.on('error', (e) => log.error('lan.server.error', { error: e.name }));
    server = srv;
    port = (srv.address() as AddressInfo).port;
    addresses = listeningAddresses(bindHost);
    running = true;

    const idleSweep = setInterval(() => void sweepIdle().catch(() => undefined), Math.max(50, Math.min(60_000, Math.floor(idleMs / 4))));
    idleSweep.unref();
    run.add({ dispose: () => clearInterval(idleSweep) });

    if (opts.advertise) {
      run.add(
        startAdvertising(
          { instanceName: opts.instanceName ?? `Coherency on ${hostname()}`, port, fingerprint: identity.fingerprint, ...(opts.clinicName ? { clinicName: opts.clinicName } : {}) },
          (e: unknown) => log.warn('lan.discovery.error', { error: e instanceof Error ? e.name : 'unknown' }),
        ),
      );
      advertising = true;
      run.add({ dispose: () => (advertising = false) } satisfies Disposable);
    }
    runStore = run;
    log.info('lan.started', { port, addresses: addresses.length, advertising, fingerprint: identity.fingerprint, created: identity.created });
    await redeliverPending();
    fireState();
    return state();
  }

  async function stop(): Promise<void> {
    if (!running || !server) return;
    running = false;
    runStore?.dispose();
    runStore = null;
    codes.cancel();
    const srv = server;
    server = null;
    const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
    srv.closeIdleConnections();
    for (const s of sockets) s.destroy();
    await closed;
    await settleRequests();
    inFlight.clear();
    owners.clear();
    bytesReceived.clear();
    tus = null;
    // No upload can go on now: the plaintext of every unfinished one goes.
    await sweepAll('stop');
    log.info('lan.stopped');
    fireState();
  }

  async function createPairingOffer(): Promise<PairingOffer> {
    if (!running || !identity || port === null) throw new LanError('NOT_RUNNING', 'Start the LAN receiver before pairing a tablet.');
    const { code, expiresAt } = codes.issue();
    const payload = { v: 1 as const, host: opts.advertisedHost ?? addresses[0] ?? bindHost, port, fingerprint: identity.fingerprint, code, expiresAt: expiresAt.toISOString() };
    const qrSvg = await QRCode.toString(JSON.stringify(payload), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    log.info('lan.pair.offered', { expiresAt: payload.expiresAt });
    fireState();
    return { payload, qrSvg };
  }

  /** Resolves when every request in progress has ended (its socket was destroyed or it finished). */
  async function settleRequests(only?: string): Promise<void> {
    const reqs = only ? [...(liveRequests.get(only) ?? [])] : [...liveRequests.values()].flatMap((set) => [...set]);
    await Promise.all(
      reqs.map((r) =>
        r.closed
          ? undefined
          : new Promise<void>((resolve) => {
              r.once('close', () => resolve());
              setTimeout(resolve, 2000).unref();
            }),
      ),
    );
    // The file store's write of the last piece settles after the request closes.
    await new Promise((r) => setTimeout(r, 20));
  }

  async function revokeDevice(id: string): Promise<void> {
    await devices.revoke(id);
    await refreshDevices();
    for (const req of liveRequests.get(id) ?? []) req.socket.destroy();
    await settleRequests(id);
    liveRequests.delete(id);
    // The revoked tablet's unfinished uploads go with it (it can never resume them).
    if (store) {
      for (const uploadId of await unfinishedUploads()) if ((await ownerOf(uploadId)) === id) await discardUpload(uploadId, 'revoked');
    }
    log.info('lan.device.revoked', { deviceId: id });
    fireState();
  }

  async function renameDevice(id: string, name: string): Promise<void> {
    const trimmed = name.trim();
    // eslint-disable-next-line no-control-regex
    if (!trimmed || trimmed.length > 64 || /[\u0000-\u001f\u007f]/.test(trimmed)) throw new LanError('INVALID_DEVICE_NAME', 'A device name is 1–64 printable characters.');
    await devices.rename(id, trimmed);
    await refreshDevices();
    fireState();
  }

  async function acknowledge(uploadId: string): Promise<void> {
    if (!UPLOAD_ID.test(uploadId)) throw new LanError('UPLOAD_NOT_FOUND', 'Not an upload id.');
    const names = await readdir(receivedDir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n === `${uploadId}.json` || n.startsWith(`${uploadId}.`) || n === uploadId).map((n) => rm(join(receivedDir, n), { force: true })));
  }

  return {
    start,
    stop,
    state,
    createPairingOffer,
    cancelPairingOffer: () => {
      codes.cancel();
      fireState();
    },
    listDevices: async () => (await devices.list()).map(deviceInfo),
    renameDevice,
    revokeDevice,
    acknowledge,
    onDidChangeState: stateEmitter.event,
    onDidRejectUpload: rejectEmitter.event,
    async dispose() {
      await stop();
      if (progressTimer) clearTimeout(progressTimer);
      stateEmitter.dispose();
      rejectEmitter.dispose();
    },
  };
}
