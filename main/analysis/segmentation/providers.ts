/** Execution-provider names and the default order; no onnxruntime import (main-thread safe). */
export const PROVIDER_NAMES = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  ms: number;
  /** Why it was not used (onnxruntime's message, first line). */
  reason?: string;
}

/** CUDA, DirectML (Windows), CoreML (macOS), WebGPU, then CPU. */
export function defaultProviderOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  const order: ProviderName[] = ['cuda'];
  if (platform === 'win32') order.push('dml');
  if (platform === 'darwin') order.push('coreml');
  order.push('webgpu', 'cpu');
  return order;
}

export function parseProviderList(text: string): ProviderName[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const n of names) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(n)) throw new Error(`unknown execution provider "${n}" (one of ${PROVIDER_NAMES.join(', ')})`);
  }
  return names as ProviderName[];
}
