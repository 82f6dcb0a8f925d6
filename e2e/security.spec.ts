import { createServer, type IncomingHttpHeaders } from 'node:http';
import { test, expect, hostRequest, startHost } from './fixtures';
import { clinicWithNurse } from './clinic';

/** A plain local server on another port: plays any other program listening on 127.0.0.1. */
async function otherLocalServer(): Promise<{ port: number; seen: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<title>other</title>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, seen, close: () => new Promise((r) => server.close(() => r())) };
}

test('a browser without the launch secret is refused', async ({ browser, host }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${host.origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('one-time URL');
  const api = await page.evaluate(async () => (await fetch('/trpc/system.info')).status);
  expect(api).toBe(401);
  await context.close();
});

test('the app lives on a random *.localhost name of its own, not on 127.0.0.1', async ({ loggedInPage: page, host }) => {
  expect(host.hostName).toMatch(/^cw-[a-z2-7]{26}\.localhost$/);
  await expect(page.getByTestId('transport-badge')).toHaveText('Browser host');
  expect(new URL(page.url()).host).toBe(`${host.hostName}:${host.port}`);
  const loopback = await page.context().newPage();
  const response = await loopback.goto(`http://127.0.0.1:${host.port}/`);
  expect(response?.status()).toBe(403);
  await loopback.close();
});

test('a used launch URL does not log a second browser in', async ({ browser, host }) => {
  const url = await host.launchUrl();
  const first = await browser.newContext();
  await (await first.newPage()).goto(url);
  const second = await browser.newContext();
  const response = await (await second.newPage()).goto(url);
  expect(response?.status()).toBe(401);
  await first.close();
  await second.close();
});

test('an older launch URL stops working once a newer one is printed, and a URL expires', async ({ browser, host }) => {
  const older = await host.launchUrl();
  const newer = await host.launchUrl();
  const context = await browser.newContext();
  const page = await context.newPage();
  expect((await page.goto(older))?.status()).toBe(401);
  expect((await page.goto(newer))?.status()).toBe(200);
  await context.close();

  const quick = await startHost({ COHERENCY_LAUNCH_TTL_S: '1' });
  try {
    const url = await quick.launchUrl();
    await new Promise((r) => setTimeout(r, 1500));
    const late = await browser.newContext();
    const latePage = await late.newPage();
    expect((await latePage.goto(url))?.status()).toBe(401);
    await expect(latePage.locator('body')).toContainText('expired');
    await late.close();
  } finally {
    await quick.stop();
  }
});

test('the signed-in nurse’s cookie never reaches another local server, and replaying it or inventing one gets nothing', async ({ loggedInPage: page, host }) => {
  await clinicWithNurse(page);
  await expect(page.getByTestId('signed-in-as')).toContainText('Nora Nurse');
  const cookies = await page.context().cookies(host.origin);
  const session = cookies.find((c) => c.name === 'coherency_session')!;
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Strict');
  expect(session.domain).toBe(host.hostName); // host-only, for the random name

  // The nurse opens another local program's page in the same browser: it is sent no cookie of ours.
  const other = await otherLocalServer();
  try {
    const tab = await page.context().newPage();
    for (const origin of [`http://127.0.0.1:${other.port}`, `http://localhost:${other.port}`]) await tab.goto(`${origin}/`);
    await tab.close();
    expect(other.seen.length).toBeGreaterThanOrEqual(2);
    for (const headers of other.seen) expect(headers.cookie ?? '').not.toContain(session.value);
  } finally {
    await other.close();
  }

  // The patient the nurse created is readable with her cookie from her own page…
  const search = `/trpc/patients.search?input=${encodeURIComponent(JSON.stringify({ query: 'hopper' }))}`;
  const own = await page.evaluate(async (path) => (await fetch(path)).status, search);
  expect(own).toBe(200);
  // …but a replay of the value as a plain request to 127.0.0.1 or localhost is refused,
  for (const h of [`127.0.0.1:${host.port}`, `localhost:${host.port}`]) {
    const res = await hostRequest(host, search, { host: h, cookie: `coherency_session=${session.value}` });
    expect(res.status, h).toBe(403);
    expect(res.body).not.toContain('Hopper');
  }
  // …and a made-up session id of the right shape, or the old cookie format, is not a session.
  for (const cookie of [`coherency_session=${'A'.repeat(43)}`, `coherency_${host.port}=${session.value}.abcdefghijklmnop`]) {
    const res = await hostRequest(host, search, { cookie });
    expect(res.status, cookie).toBe(401);
    expect(res.body).not.toContain('Hopper');
  }
});

test('foreign Origin and foreign Host are refused even with the secret', async ({ loggedInPage: page, host }) => {
  const cookies = await page.context().cookies(host.origin);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  expect((await hostRequest(host, '/trpc/system.info', { cookie })).status).toBe(200);
  expect((await hostRequest(host, '/trpc/system.info', { cookie, origin: 'https://evil.example' })).status).toBe(403);
  expect((await hostRequest(host, '/trpc/system.info', { host: `rebind.evil.example:${host.port}`, cookie })).status).toBe(403);
});

test('a page on another origin cannot read the API (CSRF / cross-origin fetch)', async ({ browser, host }) => {
  const evil = await otherLocalServer();
  const context = await browser.newContext();
  const victim = await context.newPage();
  await victim.goto(await host.launchUrl());
  const attacker = await context.newPage();
  await attacker.goto(`http://localhost:${evil.port}/`);
  const result = await attacker.evaluate(async (target) => {
    try {
      const r = await fetch(`${target}/trpc/system.info`, { credentials: 'include' });
      return `status ${r.status}`;
    } catch (e) {
      return `blocked: ${String(e)}`;
    }
  }, host.origin);
  // Either the request is refused (SameSite cookie withheld → 401, or Origin → 403) or CORS hides it.
  expect(result).toMatch(/status 40[13]|blocked/);
  await context.close();
  await evil.close();
});
