/**
 * bench/lan: upload throughput of the LAN receiver (tus over HTTPS, default chunking: one PATCH
 * streams the whole file) against a bare Node HTTPS server that writes the request body to disk,
 * in the same run, same certificate type, same disk. Median of 3 each, interleaved, printed as
 * MB/s (10^6 bytes) and as a ratio (goal ≥ 0.8×). Loopback only.
 *
 *   npx tsx bench/lan/run.ts [--mb 200] [--runs 3]
 *
 * The tablet side runs in a child process (a tablet is another machine; sharing one event loop
 * would charge the client's TLS work to the server). The receiver's time includes its SHA-256
 * verification of the file (fed as bytes arrive) and the move into received/; the peer does
 * neither. The test file is generated once in bench/.data/ (gitignored).
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createSelfSignedCertificate } from '../../main/lan/certificate';
import { createLanReceiver, type UploadCompleteEvent } from '../../main/lan/index';
import { createMemoryKeyStore } from '../../main/lan/test-helpers';
import { pair, PinnedAgent, sha256File, uploadFile } from '../../tools/tablet-sim/client';

const root = join(import.meta.dirname, '..', '..');
const dataRoot = join(root, 'bench', '.data');
const self = join(import.meta.dirname, 'run.ts');

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    runs: { type: 'string', default: '3' },
    // Child (tablet) mode:
    client: { type: 'string' },
    file: { type: 'string' },
    port: { type: 'string' },
    fp: { type: 'string' },
    token: { type: 'string' },
    sha: { type: 'string' },
  },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ------------------------------------------------------------------ tablet side (child process)
async function runClient(): Promise<void> {
  const file = values.file!;
  const port = Number(values.port);
  const fingerprint = values.fp!;
  const size = (await stat(file)).size;
  const agent = new PinnedAgent(fingerprint);
  const t0 = performance.now();
  if (values.client === 'tus') {
    await uploadFile(file, { server: { host: '127.0.0.1', port, fingerprint }, token: values.token!, metadata: { patientMrn: 'BENCH-1', sha256: values.sha! }, agent, retryDelays: null });
  } else {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/upload', agent, headers: { 'content-length': size, 'content-type': 'application/octet-stream' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`plain server said ${res.statusCode}`))));
      });
      req.on('error', reject);
      createReadStream(file, { highWaterMark: 1 << 16 }).pipe(req);
    });
  }
  const ms = performance.now() - t0;
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ ms, size })}\n`);
}

function client(args: string[]): Promise<{ ms: number; size: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as { ms: number; size: number }) : reject(new Error(`client exited ${code}`))));
  });
}

// ------------------------------------------------------------------ workstation side
async function ensureFile(mb: number): Promise<string> {
  await mkdir(dataRoot, { recursive: true });
  const path = join(dataRoot, `lan-${mb}mb.bin`);
  const want = mb * 1_000_000;
  const have = await stat(path).then((s) => s.size, () => -1);
  if (have === want) return path;
  const fh = await open(path, 'w');
  for (let written = 0; written < want; ) {
    const n = Math.min(8 << 20, want - written);
    await fh.write(randomBytes(n));
    written += n;
  }
  await fh.close();
  return path;
}

async function main(): Promise<void> {
  const mb = Number(values.mb);
  const runs = Number(values.runs);
  const file = await ensureFile(mb);
  const sha = await sha256File(file);
  const work = await mkdtemp(join(dataRoot, 'run-'));
  const mbps = (r: { ms: number; size: number }) => r.size / 1e6 / (r.ms / 1000);

  // The receiver, as the workstation runs it (loopback bind for the bench).
  let onDone: ((e: UploadCompleteEvent) => void) | null = null;
  const receiver = createLanReceiver({
    dataDir: join(work, 'lan'),
    keyStore: createMemoryKeyStore(),
    logger: { info() {}, warn() {}, error() {} },
    host: '127.0.0.1',
    port: 0,
    maxUploadBytes: 4 * 1024 ** 3,
    onUploadComplete: (e) => onDone?.(e),
  });
  const state = await receiver.start();
  const offer = await receiver.createPairingOffer();
  const profile = await pair(offer.payload, { deviceName: 'bench' });

  // The peer: a bare HTTPS server (same kind of certificate) that writes the body to disk.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = createSelfSignedCertificate(privateKey, { commonName: 'bench-plain' });
  let n = 0;
  const plain = createServer({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert, requestTimeout: 0 }, (req, res) => {
    const out = join(work, `plain-${n++}.bin`);
    pipeline(req, createWriteStream(out)).then(
      () => {
        res.writeHead(201);
        res.end();
        void rm(out, { force: true });
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const plainPort = (plain.address() as AddressInfo).port;
  const plainFp = new X509Certificate(cert).fingerprint256;

  const tusArgs = ['--client', 'tus', '--file', file, '--port', String(state.port), '--fp', state.fingerprint!, '--token', profile.token, '--sha', sha];
  {
    // Warm-up (JIT, page cache), result discarded.
    const done = new Promise<UploadCompleteEvent>((r) => (onDone = r));
    await client(tusArgs);
    await receiver.acknowledge((await done).uploadId);
  }
  const tusResults: number[] = [];
  const plainResults: number[] = [];
  const pairRatios: number[] = [];
  const tusCpu: number[] = [];
  const plainCpu: number[] = [];
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  try {
    for (let i = 0; i < runs; i++) {
      const done = new Promise<UploadCompleteEvent>((r) => (onDone = r));
      let cpu0 = process.cpuUsage();
      const t = await client(tusArgs);
      const e = await done;
      if (e.sha256 !== sha || e.size !== t.size) throw new Error('receiver got a different file');
      tusCpu.push(cpuMs(process.cpuUsage(cpu0)));
      await receiver.acknowledge(e.uploadId);
      tusResults.push(mbps(t));
      cpu0 = process.cpuUsage();
      const p = await client(['--client', 'plain', '--file', file, '--port', String(plainPort), '--fp', plainFp]);
      plainCpu.push(cpuMs(process.cpuUsage(cpu0)));
      plainResults.push(mbps(p));
      pairRatios.push(mbps(t) / mbps(p));
      process.stderr.write(`run ${i + 1}/${runs}: receiver ${mbps(t).toFixed(1)} MB/s (server CPU ${tusCpu.at(-1)!.toFixed(0)} ms), plain https ${mbps(p).toFixed(1)} MB/s (server CPU ${plainCpu.at(-1)!.toFixed(0)} ms)\n`);
    }
  } finally {
    await receiver.dispose();
    plain.closeAllConnections();
    await new Promise((r) => plain.close(r));
    await rm(work, { recursive: true, force: true });
  }
  const tusMedian = median(tusResults);
  const plainMedian = median(plainResults);
  const ratio = tusMedian / plainMedian;
  console.log(`file: ${mb} MB (${file.replace(`${root}/`, '')})`);
  console.log(`LAN receiver (tus/HTTPS, one PATCH, SHA-256 verified): median ${tusMedian.toFixed(1)} MB/s  [${tusResults.map((x) => x.toFixed(1)).join(', ')}]`);
  console.log(`plain Node HTTPS → disk:                          median ${plainMedian.toFixed(1)} MB/s  [${plainResults.map((x) => x.toFixed(1)).join(', ')}]`);
  console.log(`ratio of medians: ${ratio.toFixed(2)}× (goal ≥ 0.80×) ${ratio >= 0.8 ? 'OK' : 'BELOW GOAL'}; median of per-run ratios ${median(pairRatios).toFixed(2)}×`);
  console.log(`server CPU per run (median): receiver ${median(tusCpu).toFixed(0)} ms, plain ${median(plainCpu).toFixed(0)} ms (${(median(plainCpu) / median(tusCpu)).toFixed(2)}×; less sensitive than MB/s to other load on the machine)`);
}

if (values.client) {
  runClient().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
