/**
 * The CSP the packaged app sends (the app:// handler and the browser host use the same policy) and
 * the rules the built renderer must keep under it. The built index.html itself is checked by
 * `npm run release:check` (out/ exists only after the build).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, cspProblems, rendererHtmlProblems } from './csp';

describe('CSP of the packaged renderer', () => {
  it("the app's policy has no problem, with or without the browser host's WebSocket origin", () => {
    expect(cspProblems(contentSecurityPolicy())).toEqual([]);
    expect(cspProblems(contentSecurityPolicy({ connect: ['ws://cw-x.localhost:4000'] }))).toEqual([]);
  });

  it('refuses a weakened policy', () => {
    const base = contentSecurityPolicy();
    expect(cspProblems(base.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))).toContain("script-src allows 'unsafe-inline'");
    expect(cspProblems(base.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'"))).toContain("script-src allows 'unsafe-eval'");
    expect(cspProblems(base.replace("object-src 'none'", 'object-src *'))).toContain("object-src must be 'none'");
    expect(cspProblems(base.replace(/;\s*frame-ancestors 'none'/, ''))).toContain("frame-ancestors must be 'none'");
    expect(cspProblems(`${base}; img-src https://cdn.example`)).toContain('img-src allows the remote origin https://cdn.example');
  });

  it('the app:// handler sends that policy as a header on every renderer response', () => {
    const source = readFileSync(join(import.meta.dirname, '..', 'electron', 'index.ts'), 'utf8');
    expect(source).toMatch(/headers\.set\('content-security-policy', contentSecurityPolicy\(\)\)/);
  });

  it("the renderer's HTML loads only its own files: the source index.html and what a build makes of it", () => {
    expect(rendererHtmlProblems(readFileSync(join(import.meta.dirname, '..', '..', 'renderer', 'index.html'), 'utf8'))).toEqual([]);
    const built = '<script type="module" crossorigin src="./assets/index-1.js"></script><link rel="stylesheet" href="./assets/index-1.css">';
    expect(rendererHtmlProblems(built)).toEqual([]);
    expect(rendererHtmlProblems('<script>alert(1)</script>')).toEqual(['an inline <script> (the CSP blocks it)']);
    expect(rendererHtmlProblems('<body onload="x()">')).toEqual(['an inline event handler attribute (the CSP blocks it)']);
    expect(rendererHtmlProblems('<script src="https://cdn.example/x.js"></script>')).toEqual(['a resource from another origin: https://cdn.example/x.js']);
  });
});
