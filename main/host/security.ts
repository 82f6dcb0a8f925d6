/**
 * The browser host's gate. Every request to 127.0.0.1 must prove it comes from the browser tab
 * that opened the one-time launch URL:
 *  - Host must be our loopback name and port (defeats DNS rebinding: evil.example → 127.0.0.1);
 *  - Origin, when the browser sends one, must be ours (defeats CSRF and cross-site WebSockets);
 *  - the per-launch secret must arrive in the HttpOnly SameSite=Strict cookie that /launch set
 *    (other local processes and users cannot read it).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type GateResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };
export type SecretResult = { ok: true; browserSession: string } | { ok: false; status: 401; reason: string };

export class HostGate {
  readonly secret = randomBytes(32).toString('base64url');
  private readonly launchTokens = new Set<string>();
  readonly cookieName: string;
  private readonly allowedHosts: Set<string>;
  private readonly allowedOrigins: Set<string>;

  constructor(readonly port: number) {
    // Cookies are not port-scoped: name ours by port so two hosts never read each other's.
    this.cookieName = `coherency_${port}`;
    this.allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.allowedOrigins = new Set([...this.allowedHosts].map((h) => `http://${h}`));
  }

  /** A one-time token for the launch URL; it is spent on first use. */
  issueLaunchToken(): string {
    const token = randomBytes(24).toString('base64url');
    this.launchTokens.add(token);
    return token;
  }

  spendLaunchToken(token: string | null): boolean {
    if (!token || !this.launchTokens.has(token)) return false;
    this.launchTokens.delete(token);
    return true;
  }

  /**
   * The cookie a launch sets: the launch secret plus a random browser-session id, so that each
   * browser profile that opened a launch URL is its own connection (its own staff sign-in).
   */
  sessionCookie(): string {
    const browserSession = randomBytes(12).toString('base64url');
    return `${this.cookieName}=${this.secret}.${browserSession}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** Host and Origin checks, before anything else (the launch URL included). */
  checkOrigin(req: IncomingMessage): GateResult {
    const host = req.headers.host;
    if (!host || !this.allowedHosts.has(host.toLowerCase())) {
      return { ok: false, status: 403, reason: 'foreign Host header' };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(origin.toLowerCase())) {
      return { ok: false, status: 403, reason: 'foreign Origin header' };
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return { ok: false, status: 403, reason: 'cross-site request' };
    }
    return { ok: true };
  }

  checkSecret(req: IncomingMessage): SecretResult {
    const presented = readCookie(req.headers.cookie, this.cookieName);
    const dot = presented?.lastIndexOf('.') ?? -1;
    const secret = presented && dot > 0 ? presented.slice(0, dot) : null;
    const browserSession = presented && dot > 0 ? presented.slice(dot + 1) : '';
    if (!secret || !constantTimeEqual(secret, this.secret) || !/^[A-Za-z0-9_-]{16}$/.test(browserSession)) {
      return { ok: false, status: 401, reason: 'missing or wrong launch secret' };
    }
    return { ok: true, browserSession };
  }

  check(req: IncomingMessage): GateResult | SecretResult {
    const origin = this.checkOrigin(req);
    return origin.ok ? this.checkSecret(req) : origin;
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
