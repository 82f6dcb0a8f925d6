#!/usr/bin/env node
/**
 * `npm run server` — the hosted Coherency sync service.
 *
 *   npm run server -- [--data DIR] [--port N] [--host ADDR]      PGlite in DIR (default ./server-data)
 *   DATABASE_URL=postgres://… npm run server                      a PostgreSQL server (see server/README.md)
 *
 * Configuration is the environment (server/app/config.ts); the flags override it. Logs are JSON
 * lines on stdout; the first is `server.listening` with the URL.
 */
import { parseArgs } from 'node:util';
import { configFromEnv, createServerServices, listen } from './app/index';

const { values } = parseArgs({
  options: { data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'plain-http': { type: 'boolean' } },
  allowPositionals: false,
});

const config = configFromEnv(process.env, {
  ...(values.data ? { DATA_DIR: values.data } : {}),
  ...(values.port ? { PORT: values.port } : {}),
  ...(values.host ? { HOST: values.host } : {}),
  ...(values['plain-http'] ? { PLAIN_HTTP: '1' } : {}),
});
const services = await createServerServices(config);
const server = await listen(services, config);
services.reminders.start(config.REMINDER_INTERVAL_MS);
services.log.info('server.listening', { url: server.url, port: server.port, database: services.database.kind, replicas: config.DATABASE_REPLICA_URLS.length, reminders: config.SMTP_HOST ? 'smtp' : 'off' });

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  services.log.info('server.stopping', { signal });
  await server.close();
  await services.dispose();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
