CREATE TABLE `sync_apply` (
	`singleton` integer PRIMARY KEY DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_capture` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tbl` text NOT NULL,
	`row_key` text NOT NULL,
	`op` text NOT NULL,
	`before_json` text,
	`after_json` text
);
--> statement-breakpoint
CREATE TABLE `sync_connection` (
	`singleton` integer PRIMARY KEY DEFAULT 1 NOT NULL,
	`service_url` text NOT NULL,
	`ca_pem` text,
	`service_clinic_id` text NOT NULL,
	`service_clinic_name` text NOT NULL,
	`enrolled_at` integer NOT NULL,
	`enrolled_by` text NOT NULL,
	`state` text DEFAULT 'offline' NOT NULL,
	`last_sync_at` integer,
	`last_error_code` text,
	`last_error_message` text,
	`last_error_at` integer,
	`last_push_version` integer DEFAULT 0 NOT NULL,
	`credential_rotated_at` integer
);
--> statement-breakpoint
CREATE TABLE `sync_overwrites` (
	`id` text PRIMARY KEY NOT NULL,
	`tbl` text NOT NULL,
	`row_key` text NOT NULL,
	`field` text NOT NULL,
	`overwritten_json` text,
	`value_json` text,
	`by_device` text NOT NULL,
	`by_command` text NOT NULL,
	`by_actor` text NOT NULL,
	`at` integer NOT NULL,
	`dismissed_at` integer
);
--> statement-breakpoint
CREATE INDEX `sync_overwrites_at_idx` ON `sync_overwrites` (`at`);--> statement-breakpoint
ALTER TABLE `sync_outbox` ADD `effects_json` text;--> statement-breakpoint
ALTER TABLE `sync_outbox` ADD `rejected_code` text;--> statement-breakpoint
ALTER TABLE `sync_outbox` ADD `rejected_reason` text;--> statement-breakpoint
ALTER TABLE `sync_outbox` ADD `kept_locally` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_outbox` ADD `dismissed_at` integer;