/**
 * drizzle-kit generates the clinic record's migrations from main/records/schema/:
 *   npx drizzle-kit generate --name <what-changed>
 * The SQL lands in main/records/migrations/ and is applied at open by main/records/migrate.ts
 * (PRAGMA user_version, one transaction per step). Never edit a migration after it ships.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './main/records/schema/index.ts',
  out: './main/records/migrations',
  strict: true,
  verbose: true,
});
