/** The service's configuration from the environment, parsed once at start (fails loudly). */
import { z } from 'zod';

const bool = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const int = (d: number) => z.coerce.number().int().nonnegative().default(d);

export const configSchema = z.object({
  PORT: int(8443),
  HOST: z.string().default('127.0.0.1'),
  /** HTTPS with these; without them plain HTTP, only when PLAIN_HTTP=1 (tests behind a proxy, a TLS-terminating balancer). */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  PLAIN_HTTP: bool.default(false),
  DATABASE_URL: z.string().startsWith('postgres').optional(),
  DATABASE_MIGRATION_URL: z.string().startsWith('postgres').optional(),
  /** Comma-separated read replicas (streaming) that serve pulls. */
  DATABASE_REPLICA_URLS: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').map((u) => u.trim()).filter(Boolean) : [])),
  /** PGlite's folder when no DATABASE_URL is given. */
  DATA_DIR: z.string().default('./server-data'),
  SERVICE_ADMIN_TOKEN: z.string().min(32, 'SERVICE_ADMIN_TOKEN must be at least 32 characters').optional(),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: int(587),
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.string().default('Coherency reminders <reminders@localhost>'),
  SMTP_ALLOW_SELF_SIGNED: bool.default(false),
  REMINDER_INTERVAL_MS: int(15_000),
  REMINDER_MAX_ATTEMPTS: int(5),
  REMINDER_RETRY_BASE_MS: int(30_000),
  RATE_LIMIT_PER_SECOND: int(50),
  RATE_LIMIT_BURST: int(100),
  DATABASE_POOL_SIZE: int(10),
});
export type Config = z.infer<typeof configSchema>;

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, string>> = {}): Config {
  const picked = Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, overrides[k as keyof Config] ?? env[k]]).filter(([, v]) => v !== undefined && v !== ''));
  return configSchema.parse(picked);
}
