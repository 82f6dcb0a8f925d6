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
