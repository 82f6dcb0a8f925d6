/**
 * One Content-Security-Policy for both hosts. potree-core decodes in blob: workers, so
 * worker-src allows blob:; WebGL screenshots and decoded images need blob:/data: images.
 * Mantine sets inline style attributes, hence style-src 'unsafe-inline' (no inline scripts).
 */
export function contentSecurityPolicy(opts: { connect?: string[]; scheme?: string } = {}): string {
  const self = "'self'";
  return [
    `default-src ${self}`,
    `script-src ${self} 'wasm-unsafe-eval'`,
    `style-src ${self} 'unsafe-inline'`,
    `img-src ${self} data: blob:`,
    `font-src ${self} data:`,
    `connect-src ${self} ${(opts.connect ?? []).join(' ')}`.trim(),
    `worker-src ${self} blob:`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
  ].join('; ');
}

/**
 * What the packaged renderer must satisfy under the app's CSP (above; the app:// handler sends it
 * as a header): the policy forbids inline and remote script, eval, plugins,
 * framing and form posts; the built index.html loads only its own files (no inline script or
 * handler, nothing from another origin) so the policy blocks nothing the app needs.
 * Checked by `npm run release:check` on out/renderer and by csp.test.ts.
 */
export function cspProblems(policy: string): string[] {
  const directives = new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((p) => p[0])
      .map((p) => [p[0]!.toLowerCase(), p.slice(1)] as const),
  );
  const problems: string[] = [];
  const need = (name: string, value: string) => {
    if (!(directives.get(name) ?? []).includes(value)) problems.push(`${name} must be ${value}`);
  };
  need('default-src', "'self'");
  need('object-src', "'none'");
  need('base-uri', "'none'");
  need('frame-ancestors', "'none'");
  need('form-action', "'none'");
  const script = directives.get('script-src') ?? directives.get('default-src') ?? [];
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'blob:', 'http:', 'https:']) if (script.includes(bad)) problems.push(`script-src allows ${bad}`);
  for (const [name, values] of directives) for (const v of values) if (/^https?:\/\//.test(v)) problems.push(`${name} allows the remote origin ${v}`);
  return problems;
}

export function rendererHtmlProblems(html: string): string[] {
  const problems: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc\s*=/.test(m[1]!)) problems.push('an inline <script> (the CSP blocks it)');
    else if (m[2]!.trim()) problems.push('a <script src> with inline content');
  }
  if (/\son[a-z]+\s*=/i.test(html)) problems.push('an inline event handler attribute (the CSP blocks it)');
  for (const m of html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)) if (/^(?:[a-z]+:)?\/\//i.test(m[1]!)) problems.push(`a resource from another origin: ${m[1]}`);
  return problems;
}
