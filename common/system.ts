import { z } from 'zod';

export const TRANSPORTS = ['ipc', 'http', 'cli'] as const;
export const transportSchema = z.enum(TRANSPORTS);
export type Transport = z.infer<typeof transportSchema>;

export const executionProviderInfoSchema = z.object({
  name: z.string(),
  bundled: z.boolean(),
  available: z.boolean(),
  note: z.string().optional(),
});
export type ExecutionProviderInfo = z.infer<typeof executionProviderInfoSchema>;

export const systemInfoSchema = z.object({
  appName: z.string(),
  appVersion: z.string(),
  transport: transportSchema,
  platform: z.string(),
  arch: z.string(),
  osRelease: z.string(),
  cpus: z.number().int(),
  totalMemoryBytes: z.number(),
  versions: z.object({
    node: z.string().nullable(),
    v8: z.string().nullable(),
    electron: z.string().nullable(),
    chrome: z.string().nullable(),
  }),
  onnxRuntime: z.object({
    version: z.string().nullable(),
    executionProviders: z.array(z.string()),
    providers: z.array(executionProviderInfoSchema),
    error: z.string().optional(),
  }),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const memorySampleSchema = z.object({
  at: z.number(),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  externalBytes: z.number(),
  systemFreeBytes: z.number(),
});
export type MemorySample = z.infer<typeof memorySampleSchema>;
