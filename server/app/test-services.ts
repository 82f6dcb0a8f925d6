/**
 * Test helpers: the service's composition root on a test database, a tRPC caller per credential,
 * and a clinic with enrolled devices. Real services over real PostgreSQL/PGlite, no stand-ins.
 */
import { createCaller, createContextInner } from '../api/index';
import { openTestDatabase, type TestDatabase, type TestDbKind } from '../db/test-databases';
import type { DatabaseOptions } from '../db/database';
import { memoryLog, type Log } from '../observability/log';
import { configSchema, type Config } from './config';
import { createServerServices, type BuildOptions, type ServerServices } from './services';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface TestService {
  db: TestDatabase;
  services: ServerServices;
  log: Log & { records: Array<{ level: string; event: string; fields: Record<string, unknown> }> };
  caller(token: string | null, address?: string): ReturnType<typeof createCaller>;
  admin: ReturnType<typeof createCaller>;
  /** A clinic with `devices` enrolled; tokens by device id. */
  clinic(name: string, devices?: string[]): Promise<{ clinicId: string; tokens: Record<string, string> }>;
  dispose(): Promise<void>;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...configSchema.parse({}), SERVICE_ADMIN_TOKEN: ADMIN_TOKEN, ...overrides };
}

export async function startTestService(kind: TestDbKind, options: { config?: Partial<Config>; build?: BuildOptions; database?: Partial<DatabaseOptions> } = {}): Promise<TestService> {
  const db = await openTestDatabase(kind, options.database);
  const log = Object.assign(memoryLog(), {}) as TestService['log'];
  const services = await createServerServices(testConfig(options.config), { email: null, ...options.build, database: db.database, log });
  let n = 0;
  const caller = (token: string | null, address = `10.0.0.${(n++ % 250) + 1}`) => createCaller(createContextInner(services, token, address));
  const admin = caller(ADMIN_TOKEN);
  return {
    db,
    services,
    log,
    caller,
    admin,
    async clinic(name, deviceIds = ['device-aaaaaaaa01']) {
      const { clinicId } = await admin.admin.createClinic({ name });
      const tokens: Record<string, string> = {};
      for (const deviceId of deviceIds) {
        const { code } = await admin.admin.issueEnrolmentCode({ clinicId });
        tokens[deviceId] = (await caller(null).devices.enrol({ code, deviceId, label: `WS ${deviceId}`, protocol: 1 })).token;
      }
      return { clinicId, tokens };
    },
    async dispose() {
      await services.reminders.stop();
      await db.dispose();
    },
  };
}

/** The service's error code of a failed call (`data.appCode` over HTTP, the cause's `code` through createCaller). */
export function appCode(e: unknown): string | undefined {
  const x = e as { shape?: { data?: { appCode?: string } }; cause?: { code?: unknown }; code?: string };
  return x?.shape?.data?.appCode ?? (typeof x?.cause?.code === 'string' ? x.cause.code : undefined);
}
