/**
 * The tablet's certificate pinning against a bare HTTPS server on 127.0.0.1: with the wrong pin
 * the request never reaches the server's HTTP layer (so no token or code could leak).
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../main/lan/certificate';
import { FingerprintMismatchError, PinnedAgent } from './client';

let server: Server;
let port: number;
let fingerprint: string;
const seen: { method: string; auth: string | undefined }[] = [];

beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = createSelfSignedCertificate(privateKey, { commonName: 'pin-test' });
  fingerprint = new X509Certificate(cert).fingerprint256;
  server = createServer({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert }, (req, res) => {
    seen.push({ method: req.method ?? '', auth: req.headers.authorization });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function get(agent: PinnedAgent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers: { authorization: 'Bearer secret-token' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('PinnedAgent', () => {
  it('connects when the certificate matches the pin (any case, with or without colons)', async () => {
    const agent = new PinnedAgent(fingerprint.replace(/:/g, '').toLowerCase());
    expect(await get(agent)).toBe('ok');
    expect(await get(agent)).toBe('ok'); // kept-alive socket, already verified
    agent.destroy();
    expect(seen).toHaveLength(2);
  });

  it('refuses another certificate before a single request byte is written', async () => {
    seen.length = 0;
    const other = `${fingerprint.slice(0, -2)}${fingerprint.endsWith('FF') ? '00' : 'FF'}`;
    const agent = new PinnedAgent(other);
    const err = await get(agent).catch((e: unknown) => e);
    agent.destroy();
    expect(err).toBeInstanceOf(FingerprintMismatchError);
    expect(err).toMatchObject({ code: 'FINGERPRINT_MISMATCH', expected: other, actual: fingerprint });
    expect(seen).toEqual([]);
  });

  it('rejects a pin that is not a SHA-256', () => {
    expect(() => new PinnedAgent('AB:CD')).toThrow(TypeError);
  });
});
