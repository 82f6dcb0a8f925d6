-- Custom SQL migration (drizzle-kit generate --custom): what drizzle's schema cannot say.
-- 1. Row-level security applies to the tables' owner too (FORCE), so no role but a superuser or one
--    with BYPASSRLS — neither of which the service uses — reads across clinics.
ALTER TABLE "clinics" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "devices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mutations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "entities" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "entity_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "balances" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sequences" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reminder_jobs" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- 2. The run-time role gets what the service does and no more: the mutation log is append-only,
--    rows are never deleted (a refused insert becomes a tombstone), no DDL.
GRANT USAGE ON SCHEMA public TO coherency_app;--> statement-breakpoint
GRANT SELECT ON "schema_migrations" TO coherency_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "tenants" TO coherency_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "enrolment_codes" TO coherency_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "clinics", "devices" TO coherency_app;--> statement-breakpoint
GRANT SELECT, INSERT ON "mutations" TO coherency_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "entities", "sequences", "reminder_jobs" TO coherency_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "entity_keys", "balances" TO coherency_app;
