import { request as httpRequest } from 'node:http';
import { test, expect } from './fixtures';

function rawStatus(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a browser without the launch secret is refused', async ({ browser, host }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${host.origin}/`);
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('one-time URL');
  const api = await page.request.get(`${host.origin}/trpc/system.info`);
  expect(api.status()).toBe(401);
  await context.close();
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

test('foreign Origin and foreign Host are refused even with the secret', async ({ loggedInPage: page, host }) => {
  const cookies = await page.context().cookies(host.origin);
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  expect(cookies.find((c) => c.name.startsWith('coherency_'))?.httpOnly).toBe(true);
  expect(cookies.find((c) => c.name.startsWith('coherency_'))?.sameSite).toBe('Strict');
  expect(await rawStatus(host.port, '/trpc/system.info', { host: `127.0.0.1:${host.port}`, cookie })).toBe(200);
  expect(await rawStatus(host.port, '/trpc/system.info', { host: `127.0.0.1:${host.port}`, cookie, origin: 'https://evil.example' })).toBe(403);
  expect(await rawStatus(host.port, '/trpc/system.info', { host: `rebind.evil.example:${host.port}`, cookie })).toBe(403);
});

test('a page on another origin cannot read the API (CSRF / cross-origin fetch)', async ({ browser, host }) => {
  // A second, unrelated local server plays the attacker's page.
  const { createServer } = await import('node:http');
  const evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<title>evil</title>'));
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  const evilPort = (evil.address() as { port: number }).port;
  const context = await browser.newContext();
  const victim = await context.newPage();
  await victim.goto(await host.launchUrl());
  const attacker = await context.newPage();
  await attacker.goto(`http://localhost:${evilPort}/`);
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
  await new Promise((r) => evil.close(r));
});
