/**
 * The workstation's client of the hosted service: tRPC's HTTP wire format (queries as GET with
 * `?input=`, mutations as POST with a JSON body, `{result:{data}}` or `{error:{data}}` back) over
 * HTTPS with a keep-alive agent, the service's CA if it is not a public one, and a timeout. Every
 * answer is parsed with the sync contract's schemas (common/sync.ts); anything else — a cut
 * connection, half an answer, a timeout — is ServiceUnreachableError, and the caller retries.
 */
import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import {
  deviceStatusSchema, enrolOutputSchema, pullOutputSchema, pushOutputSchema, type EnrolInput, type EnrolOutput, type Mutation, type PullInput, type PullOutput, type PushOutput,
} from '../../common/sync';
import { ServiceRefusedError, ServiceUnreachableError } from './errors';

export interface ServiceClient {
  enrol(input: EnrolInput): Promise<EnrolOutput>;
  push(token: string, mutations: Mutation[]): Promise<PushOutput>;
  pull(token: string, input: PullInput): Promise<PullOutput>;
  rotate(token: string, nextSecretSha256: string): Promise<void>;
  status(token: string): Promise<z.infer<typeof deviceStatusSchema>>;
  close(): void;
}

export interface ServiceClientOptions {
  baseUrl: string;
  caPem?: string | null;
  timeoutMs?: number;
}

export function createServiceClient({ baseUrl, caPem, timeoutMs = 30_000 }: ServiceClientOptions): ServiceClient {
  const base = new URL(baseUrl);
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 4, ...(caPem ? { ca: caPem } : {}) }) : new http.Agent({ keepAlive: true, maxSockets: 4 });
  const prefix = base.pathname.replace(/\/$/, '');

  function call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, input: unknown, token: string | null, schema: S): Promise<z.infer<S>> {
    const body = method === 'POST' ? JSON.stringify(input ?? null) : undefined;
    const query = method === 'GET' && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : '';
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: `${prefix}/trpc/${path}${query}`,
          method,
          agent,
          timeout: timeoutMs,
          headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('aborted', () => reject(new ServiceUnreachableError('the answer was cut off')));
          res.on('error', (e) => reject(new ServiceUnreachableError('the answer was cut off', { cause: e })));
          res.on('end', () => {
            let json: { result?: { data?: unknown }; error?: { message?: string; data?: { appCode?: string; code?: string; httpStatus?: number; expected?: number } } };
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof json;
            } catch (e) {
              return reject(new ServiceUnreachableError(`an unreadable answer (HTTP ${res.statusCode})`, { cause: e }));
            }
            if (json.error) {
              const d = json.error.data ?? {};
              return reject(new ServiceRefusedError(d.appCode ?? d.code ?? 'UNKNOWN', json.error.message ?? 'The service refused the request.', res.statusCode ?? 0, d.expected));
            }
            const parsed = schema.safeParse(json.result?.data);
            if (!parsed.success) return reject(new ServiceUnreachableError('an answer that does not follow the sync contract'));
            resolve(parsed.data);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new ServiceUnreachableError(e.message === 'timeout' ? `no answer in ${Math.round(timeoutMs / 1000)} s` : (e.code ?? 'connection failed'), { cause: e })));
      req.end(body);
    });
  }

  const ok = { safeParse: (v: unknown) => ({ success: true as const, data: v }) } as unknown as z.ZodType<unknown>;
  return {
    enrol: (input) => call('POST', 'devices.enrol', input, null, enrolOutputSchema),
    push: (token, mutations) => call('POST', 'sync.push', { mutations }, token, pushOutputSchema),
    pull: (token, input) => call('GET', 'sync.pull', input, token, pullOutputSchema),
    rotate: async (token, nextSecretSha256) => void (await call('POST', 'sync.rotate', { nextSecretSha256 }, token, ok)),
    status: (token) => call('GET', 'sync.status', undefined, token, deviceStatusSchema),
    close: () => agent.destroy(),
  };
}
