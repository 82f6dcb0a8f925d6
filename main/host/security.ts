/**
 * The browser host's gate. The host listens on 127.0.0.1, where every local process and every
 * other user of the machine can connect, and where cookies are NOT scoped by port: a cookie set
 * for 127.0.0.1 (or localhost) goes to every server on every port of that name. So:
 *
 *  - Each launch of the host picks a random host name, `cw-<26 random base32>.localhost`. Chromium
 *    (and Firefox) resolve every `*.localhost` name to loopback without asking DNS, so the tab
 *    reaches us, but the name is known only to whoever read the printed launch URL. The session
 *    cookie is host-only for that name: the browser never sends it to 127.0.0.1, localhost or any
 *    other name, on any port — another local server the nurse happens to open never receives it.
 *  - Host must be exactly that name and our port (403 otherwise): DNS rebinding, a request to
 *    127.0.0.1 with a replayed cookie, and a page on another local origin are all refused.
 *  - Origin, when the browser sends one, must be ours; Sec-Fetch-Site must be same-origin or none
 *    (403 otherwise): CSRF and cross-site WebSockets.
 *  - The cookie (HttpOnly, SameSite=Strict) holds a random 256-bit browser-session credential that
 *    this host issued when a launch URL was opened; only its SHA-256 is kept, and a value the
 *    host did not issue is refused (401), so a made-up or guessed session id gets nothing.
 *  - A launch URL works once, for a short time (default 2 minutes), and only the newest one
 *    printed works: printing a new one cancels the older unused ones.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type GateResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };
export type SecretResult = { ok: true; browserSession: string } | { ok: false; status: 401; reason: string };
export type LaunchResult = { ok: true; cookie: string } | { ok: false; status: 401; reason: string };

export const COOKIE_NAME = 'coherency_session';
export const DEFAULT_LAUNCH_TTL_MS = 2 * 60_000;

export interface HostGateOptions {
  port: number;
  /** How long a printed launch URL stays usable (default 2 minutes). */
  launchTtlMs?: number;
  now?: () => number;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A DNS label of 26 random base32 characters (130 bits) under `.localhost`. */
function randomHostName(): string {
  const bytes = randomBytes(26);
  let label = '';
  for (const b of bytes) label += BASE32[b & 31];
  return `cw-${label}.localhost`;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export class HostGate {
  readonly port: number;
  /** `cw-….localhost`: the only name this host answers to. */
  readonly hostName: string;
  /** `http://cw-….localhost:<port>`. */
  readonly origin: string;
  private readonly hostHeader: string;
  private readonly launchTtlMs: number;
  private readonly now: () => number;
  /** The newest unused launch token's digest and expiry (only one is ever valid). */
  private launch: { digest: Buffer; expiresAt: number } | null = null;
  /** Browser-session credential digest (hex) → the browser-session id behind it. */
  private readonly browserSessions = new Map<string, string>();

  constructor(opts: HostGateOptions) {
    this.port = opts.port;
    this.hostName = randomHostName();
    this.hostHeader = `${this.hostName}:${opts.port}`;
    this.origin = `http://${this.hostHeader}`;
    this.launchTtlMs = opts.launchTtlMs ?? DEFAULT_LAUNCH_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** A one-time token for a launch URL; any older unused token stops working. */
  issueLaunchToken(): string {
    const token = randomBytes(24).toString('base64url');
    this.launch = { digest: sha256(token), expiresAt: this.now() + this.launchTtlMs };
    return token;
  }

  /** Spends a launch token: a fresh browser session and the cookie that carries it. */
  spendLaunchToken(token: string | null): LaunchResult {
    const launch = this.launch;
    if (!token || !launch || !timingSafeEqual(sha256(token), launch.digest)) {
      return { ok: false, status: 401, reason: 'launch link already used, replaced by a newer one, or invalid' };
    }
    this.launch = null;
    if (this.now() >= launch.expiresAt) return { ok: false, status: 401, reason: 'launch link expired' };
    const credential = randomBytes(32).toString('base64url');
    const browserSession = randomBytes(12).toString('base64url');
    this.browserSessions.set(sha256(credential).toString('hex'), browserSession);
    // Host-only (no Domain): sent to this random name alone, never to 127.0.0.1 or localhost.
    return { ok: true, cookie: `${COOKIE_NAME}=${credential}; HttpOnly; SameSite=Strict; Path=/` };
  }

  /** Host and Origin checks, before anything else (the launch URL included). */
  checkOrigin(req: IncomingMessage): GateResult {
    const host = req.headers.host;
    if (!host || host.toLowerCase() !== this.hostHeader) {
      return { ok: false, status: 403, reason: 'foreign Host header (open the launch URL the host printed)' };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== this.origin) {
      return { ok: false, status: 403, reason: 'foreign Origin header' };
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return { ok: false, status: 403, reason: 'cross-site request' };
    }
    return { ok: true };
  }

  /** The browser session of the request's cookie, if this host issued it. */
  checkSecret(req: IncomingMessage): SecretResult {
    const presented = readCookie(req.headers.cookie, COOKIE_NAME);
    const browserSession = presented && /^[A-Za-z0-9_-]{43}$/.test(presented) ? this.browserSessions.get(sha256(presented).toString('hex')) : undefined;
    if (!browserSession) return { ok: false, status: 401, reason: 'missing or unknown browser session' };
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
