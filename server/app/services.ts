/**
 * The service's composition root: one place that builds the database, the domains and the
 * limits from the configuration. The HTTP server (http.ts), the CLI (server/main.ts) and the tests
 * all build it this way.
 */
import { openDatabase, type Database } from '../db/database';
import { createDevices, type DevicesService } from '../devices/index';
import { jsonLog, type Log } from '../observability/log';
import { createMetrics, type Metrics } from '../observability/metrics';
import { createRateLimiter, type RateLimiter } from '../observability/rate-limit';
import { createReminderSender, createSmtpSender, type EmailSender, type ReminderSender, type SmsSender } from '../reminders/index';
import { createSync, type SyncService } from '../sync/index';
import type { Config } from './config';

export interface ServerServices {
  database: Database;
  devices: DevicesService;
  sync: SyncService;
  reminders: ReminderSender;
  metrics: Metrics;
  log: Log;
  limits: { device: RateLimiter; address: RateLimiter };
  adminToken: string | null;
  dispose(): Promise<void>;
}

export interface BuildOptions {
  log?: Log;
  now?: () => number;
  /** Instead of SMTP from the config (tests give a sender to a real SMTP server the same way). */
  email?: EmailSender | null;
  sms?: SmsSender | null;
  database?: Database;
}

export async function createServerServices(config: Config, options: BuildOptions = {}): Promise<ServerServices> {
  const log = options.log ?? jsonLog({ service: 'coherency-sync', pid: process.pid });
  const metrics = createMetrics();
  const database =
    options.database ??
    (await openDatabase({
      ...(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR }),
      ...(config.DATABASE_MIGRATION_URL ? { migrationUrl: config.DATABASE_MIGRATION_URL } : {}),
      replicaUrls: config.DATABASE_REPLICA_URLS,
      poolSize: config.DATABASE_POOL_SIZE,
    }));
  const now = options.now ?? Date.now;
  const email =
    options.email !== undefined
      ? options.email
      : config.SMTP_HOST
        ? createSmtpSender({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, from: config.SMTP_FROM, allowSelfSigned: config.SMTP_ALLOW_SELF_SIGNED, ...(config.SMTP_USER ? { user: config.SMTP_USER, password: config.SMTP_PASSWORD ?? '' } : {}) })
        : null;
  const reminders = createReminderSender({ database, log, metrics, email, sms: options.sms ?? null, now, maxAttempts: config.REMINDER_MAX_ATTEMPTS, retryBaseMs: config.REMINDER_RETRY_BASE_MS });
  metrics.gauge('coherency_up', 1);
  return {
    database,
    devices: createDevices({ database, log, now }),
    sync: createSync({ database, log, metrics, now }),
    reminders,
    metrics,
    log,
    limits: {
      device: createRateLimiter({ perSecond: config.RATE_LIMIT_PER_SECOND, burst: config.RATE_LIMIT_BURST }),
      // Enrolment attempts per address: a code cannot be guessed at speed.
      address: createRateLimiter({ perSecond: 0.2, burst: 10 }),
    },
    adminToken: config.SERVICE_ADMIN_TOKEN ?? null,
    async dispose() {
      await reminders.stop();
      email?.close();
      await database.close();
    },
  };
}
