/**
 * The service over the wire: HTTPS with a certificate the client must trust, /health and
 * /metrics, tRPC error codes as the workstation reads them, the per-device rate limit, the body
 * cap, and JSON log lines that carry ids and counts but no patient data.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_CHANGE } from '../../common/commands';
import { id, insert, mutation, patientRow } from '../sync/test-rows';
import { listen, MAX_BODY_BYTES, type RunningServer } from './http';
import { startTestService, testConfig, type TestService } from './test-services';

function request(url: string, init: { method?: string; body?: string; token?: string; ca?: Buffer } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = https.request(
      { hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: init.method ?? 'GET', ...(init.ca ? { ca: init.ca } : {}), headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the service over HTTPS', () => {
  let s: TestService;
  let server: RunningServer;
  let dir: string;
  let ca: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    s = await startTestService('pglite', { config: { RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 5 } });
    server = await listen(s.services, { ...testConfig(), PORT: 0, HOST: '127.0.0.1', TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem'), PLAIN_HTTP: false });
  });
  afterAll(async () => {
    await server.close();
    await s.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks HTTPS only to a client that trusts its certificate', async () => {
    expect(server.url).toMatch(/^https:/);
    await expect(request(`${server.url}/health`)).rejects.toThrow(/self-signed|certificate/);
    expect(await request(`${server.url}/health`, { ca })).toEqual({ status: 200, body: JSON.stringify({ status: 'ok', database: 'pglite' }) });
  });

  it('answers tRPC as the workstation reads it, limits each device, caps bodies, and exposes metrics', async () => {
    const { tokens } = await s.clinic('Clinic over HTTPS', ['ws-http-0001']);
    const token = tokens['ws-http-0001']!;
    const bad = await request(`${server.url}/trpc/sync.status`, { ca, token: 'cw1.nope' });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { data: { code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' } } });
    const patient = id();
    const push = await request(`${server.url}/trpc/sync.push`, { ca, token, method: 'POST', body: JSON.stringify({ mutations: [mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('patients', patientRow(patient, 'MRN-HTTP-1'))])] }) });
    expect(push.status).toBe(200);
    expect(JSON.parse(push.body)).toMatchObject({ result: { data: { results: [{ id: 1, status: 'applied' }], lastMutationId: 1 } } });
    const gap = await request(`${server.url}/trpc/sync.push`, { ca, token, method: 'POST', body: JSON.stringify({ mutations: [mutation(9, DIRECTORY_CHANGE, {}, 'system', [])] }) });
    expect(gap.status).toBe(409);
    expect(JSON.parse(gap.body)).toMatchObject({ error: { data: { appCode: 'MUTATION_GAP', expected: 2 } } });
    const huge = await request(`${server.url}/trpc/sync.push`, { ca, token, method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 10) });
    expect(huge.status).toBe(413);
    // Burst of 5, then 1/s: the device is told to slow down.
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await request(`${server.url}/trpc/sync.status`, { ca, token })).status);
    expect(statuses).toContain(429);
    const metrics = await request(`${server.url}/metrics`, { ca });
    expect(metrics.body).toMatch(/^coherency_mutations_total\{result="applied"\} 1$/m);
    expect(metrics.body).toMatch(/^coherency_rate_limited_total \d+$/m);
    expect(metrics.body).toMatch(/^coherency_request_seconds_bucket\{procedure="sync.push",le="0.1"\} \d+$/m);
    // Logs: JSON records with ids and counts; not the MRN, not the name, not the credential.
    const pushed = s.log.records.find((r) => r.event === 'push.applied');
    expect(pushed?.fields).toMatchObject({ applied: 1, rejected: 0, last: 1 });
    const all = JSON.stringify(s.log.records);
    for (const secret of ['MRN-HTTP-1', 'Lovelace', token.split('.')[3]!]) expect(all).not.toContain(secret);
  });
});

function plain(url: string, init: { method?: string; body?: string; token?: string; type?: string } = {}): Promise<{ status: number; type: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: init.method ?? 'GET', headers: { 'content-type': init.type ?? 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(body) as unknown }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the hot path (sync.pull and sync.push through the caller)', () => {
  let s: TestService;
  let hot: RunningServer;
  let standard: RunningServer;
  beforeAll(async () => {
    s = await startTestService('pglite', { config: { RATE_LIMIT_PER_SECOND: 1, RATE_LIMIT_BURST: 40 } });
    const plainConfig = { ...testConfig(), PORT: 0, HOST: '127.0.0.1', PLAIN_HTTP: true };
    hot = await listen(s.services, plainConfig);
    standard = await listen(s.services, plainConfig, { hotPath: false });
  });
  afterAll(async () => {
    await hot.close();
    await standard.close();
    await s.dispose();
  });

  it("answers every case exactly as tRPC's standard handler does: status, content type and body", async () => {
    const { tokens } = await s.clinic('Clinic on the hot path', ['ws-hot-000001', 'ws-hot-000002']);
    const token = tokens['ws-hot-000001']!;
    const patient = id();
    const pullOf = (input: unknown) => `/trpc/sync.pull?input=${encodeURIComponent(JSON.stringify(input))}`;
    const push = (mutations: unknown[]) => ({ method: 'POST', body: JSON.stringify({ mutations }) });
    const cases: Array<[string, string, { method?: string; body?: string; token?: string; type?: string }]> = [
      // The standard handler goes first: a push it applies is a replay on the hot path — the same answer, applied once.
      ['push applied', '/trpc/sync.push', { ...push([mutation(1, DIRECTORY_CHANGE, {}, 'system', [insert('patients', patientRow(patient, 'MRN-HOT-1'))])]), token }],
      ['pull from the start', pullOf({ cursor: null, limit: 100, minVersion: 0 }), { token }],
      ['pull, one row a page', pullOf({ cursor: null, limit: 1, minVersion: 0 }), { token }],
      ['pull without a credential', pullOf({ cursor: null, limit: 1, minVersion: 0 }), {}],
      ['pull with a forged credential', pullOf({ cursor: null, limit: 1, minVersion: 0 }), { token: `${token.slice(0, -4)}AAAA` }],
      ['pull with input that breaks the schema', pullOf({ cursor: 12, limit: -1 }), { token }],
      ['pull with input that is not JSON', '/trpc/sync.pull?input=%7Bnope', { token }],
      ['pull without input', '/trpc/sync.pull?x=1', { token }],
      ['push with a gap', '/trpc/sync.push', { ...push([mutation(9, DIRECTORY_CHANGE, {}, 'system', [])]), token }],
      ['push listed out of order (taken in order)', '/trpc/sync.push', { ...push([mutation(3, DIRECTORY_CHANGE, {}, 'system', []), mutation(2, DIRECTORY_CHANGE, {}, 'system', [])]), token }],
      ['push that is not JSON', '/trpc/sync.push', { method: 'POST', body: '{"mutations": [', token }],
      ['push of another shape', '/trpc/sync.push', { method: 'POST', body: JSON.stringify({ mutations: 'all' }), token }],
      ['push without a credential', '/trpc/sync.push', push([])],
      ['push too large', '/trpc/sync.push', { method: 'POST', body: JSON.stringify({ mutations: [], pad: 'x'.repeat(MAX_BODY_BYTES) }), token }],
    ];
    for (const [what, path, init] of cases) {
      const a = await plain(`${standard.url}${path}`, init);
      const b = await plain(`${hot.url}${path}`, init);
      expect(b, what).toEqual(a);
    }
    // The hot path served its half (pulls and pushes to application/json; the rest fell through to
    // the standard handler), and each push was applied once: the hot path's copy was a replay.
    const metrics = s.services.metrics.render();
    expect(metrics).toMatch(/^coherency_hot_path_requests_total\{procedure="sync.pull"\} 7$/m);
    expect(metrics).toMatch(/^coherency_hot_path_requests_total\{procedure="sync.push"\} 7$/m);
    const applied = s.log.records.filter((r) => r.event === 'push.applied' && r.fields['deviceId'] === 'ws-hot-000001');
    expect(applied.map((r) => r.fields['applied'])).toEqual([1, 2]);
    // A revoked device, and one that is told to slow down, are refused alike.
    await s.admin.admin.revokeDevice({ clinicId: (await s.caller(token).sync.status()).clinicId, deviceId: 'ws-hot-000002' });
    const revoked = pullOf({ cursor: null, limit: 1, minVersion: 0 });
    expect(await plain(`${hot.url}${revoked}`, { token: tokens['ws-hot-000002']! })).toEqual(await plain(`${standard.url}${revoked}`, { token: tokens['ws-hot-000002']! }));
    let limited = await plain(`${standard.url}${revoked}`, { token });
    for (let i = 0; i < 60 && limited.status !== 429; i++) limited = await plain(`${standard.url}${revoked}`, { token });
    expect(limited.status).toBe(429);
    expect(await plain(`${hot.url}${revoked}`, { token })).toEqual(limited);
  });
});
