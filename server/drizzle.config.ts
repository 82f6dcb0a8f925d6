/**
 * drizzle-kit generates the service's PostgreSQL migrations from server/db/schema/:
 *   npx drizzle-kit generate --config server/drizzle.config.ts --name <what-changed>
 * server/db/migrate.ts applies them in order at start (one transaction each, under an advisory
 * lock, so several service processes starting at once migrate once).
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/schema/index.ts',
  out: './server/db/migrations',
  strict: true,
  verbose: true,
});
