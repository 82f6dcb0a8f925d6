CREATE TABLE "clinics" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clinics" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "devices" (
	"clinic_id" uuid NOT NULL,
	"id" text NOT NULL,
	"label" text NOT NULL,
	"token_sha256" text NOT NULL,
	"next_token_sha256" text,
	"enrolled_at" bigint NOT NULL,
	"rotated_at" bigint,
	"revoked_at" bigint,
	"last_mutation_id" bigint DEFAULT 0 NOT NULL,
	"last_seen_at" bigint,
	CONSTRAINT "devices_clinic_id_id_pk" PRIMARY KEY("clinic_id","id")
);
--> statement-breakpoint
ALTER TABLE "devices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "enrolment_codes" (
	"code_sha256" text PRIMARY KEY NOT NULL,
	"clinic_id" uuid NOT NULL,
	"expires_at" bigint NOT NULL,
	"used_at" bigint,
	"used_by_device" text,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "balances" (
	"clinic_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"id" text NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "balances_clinic_id_kind_id_pk" PRIMARY KEY("clinic_id","kind","id")
);
--> statement-breakpoint
ALTER TABLE "balances" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "entities" (
	"clinic_id" uuid NOT NULL,
	"tbl" text NOT NULL,
	"key" text NOT NULL,
	"data" jsonb,
	"version" bigint NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "entities_clinic_id_tbl_key_pk" PRIMARY KEY("clinic_id","tbl","key")
);
--> statement-breakpoint
ALTER TABLE "entities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "entity_keys" (
	"clinic_id" uuid NOT NULL,
	"tbl" text NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"key" text NOT NULL,
	CONSTRAINT "entity_keys_clinic_id_tbl_name_value_pk" PRIMARY KEY("clinic_id","tbl","name","value")
);
--> statement-breakpoint
ALTER TABLE "entity_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "mutations" (
	"clinic_id" uuid NOT NULL,
	"device_id" text NOT NULL,
	"mutation_id" bigint NOT NULL,
	"command_id" text NOT NULL,
	"name" text NOT NULL,
	"actor_id" text NOT NULL,
	"status" text NOT NULL,
	"code" text,
	"reason" text,
	"skipped" jsonb,
	"version" bigint NOT NULL,
	"issued_at" bigint NOT NULL,
	"applied_at" bigint NOT NULL,
	CONSTRAINT "mutations_clinic_id_device_id_mutation_id_pk" PRIMARY KEY("clinic_id","device_id","mutation_id")
);
--> statement-breakpoint
ALTER TABLE "mutations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sequences" (
	"clinic_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"last" bigint NOT NULL,
	CONSTRAINT "sequences_clinic_id_kind_pk" PRIMARY KEY("clinic_id","kind")
);
--> statement-breakpoint
ALTER TABLE "sequences" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "reminder_jobs" (
	"clinic_id" uuid NOT NULL,
	"reminder_id" text NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"message" text NOT NULL,
	"send_at" bigint NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"lease_until" bigint,
	"last_error" text,
	"sent_at" bigint,
	"message_id" text,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "reminder_jobs_clinic_id_reminder_id_pk" PRIMARY KEY("clinic_id","reminder_id")
);
--> statement-breakpoint
ALTER TABLE "reminder_jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "clinics" ADD CONSTRAINT "clinics_id_tenants_id_fk" FOREIGN KEY ("id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "balances" ADD CONSTRAINT "balances_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entities" ADD CONSTRAINT "entities_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entity_keys" ADD CONSTRAINT "entity_keys_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mutations" ADD CONSTRAINT "mutations_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sequences" ADD CONSTRAINT "sequences_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_jobs" ADD CONSTRAINT "reminder_jobs_clinic_id_tenants_id_fk" FOREIGN KEY ("clinic_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrolment_codes_clinic_idx" ON "enrolment_codes" USING btree ("clinic_id");--> statement-breakpoint
CREATE INDEX "entities_version_idx" ON "entities" USING btree ("clinic_id","version");--> statement-breakpoint
CREATE INDEX "reminder_jobs_due_idx" ON "reminder_jobs" USING btree ("clinic_id","status","next_attempt_at");--> statement-breakpoint
CREATE POLICY "tenant" ON "clinics" AS PERMISSIVE FOR ALL TO public USING ("id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "devices" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "balances" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "entities" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "entity_keys" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "mutations" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "sequences" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant" ON "reminder_jobs" AS PERMISSIVE FOR ALL TO public USING ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid) WITH CHECK ("clinic_id" = nullif(current_setting('app.clinic_id', true), '')::uuid);