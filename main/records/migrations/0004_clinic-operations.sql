CREATE TABLE `appointment_series` (
	`id` text PRIMARY KEY NOT NULL,
	`patient_id` text NOT NULL,
	`rrule` text NOT NULL,
	`time_zone` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`split_from_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `appointment_types` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`default_minutes` integer NOT NULL,
	`colour` text NOT NULL,
	`kind` text DEFAULT 'clinic' NOT NULL,
	`service_code_id` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `clinician_profiles` (
	`staff_id` text PRIMARY KEY NOT NULL,
	`home_care` integer DEFAULT false NOT NULL,
	`hours_json` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `leave_blocks` (
	`id` text PRIMARY KEY NOT NULL,
	`staff_id` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`reason` text NOT NULL,
	`cancelled_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`staff_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `leave_blocks_staff_idx` ON `leave_blocks` (`staff_id`,`starts_at`);--> statement-breakpoint
CREATE TABLE `reminder_preferences` (
	`patient_id` text PRIMARY KEY NOT NULL,
	`opt_out` integer DEFAULT false NOT NULL,
	`channel` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `reminders` (
	`id` text PRIMARY KEY NOT NULL,
	`appointment_id` text NOT NULL,
	`patient_id` text NOT NULL,
	`channel` text NOT NULL,
	`recipient` text NOT NULL,
	`send_at` integer NOT NULL,
	`message` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`sent_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`appointment_id`) REFERENCES `appointments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reminders_appointment_idx` ON `reminders` (`appointment_id`);--> statement-breakpoint
CREATE INDEX `reminders_due_idx` ON `reminders` (`status`,`send_at`);--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `prescription_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`patient_id` text NOT NULL,
	`item_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`issued_quantity` integer DEFAULT 0 NOT NULL,
	`valid_until` text NOT NULL,
	`prescriber_id` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`notes` text,
	`cancel_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`item_id`) REFERENCES `stock_items`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`prescriber_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `prescription_orders_patient_idx` ON `prescription_orders` (`patient_id`,`item_id`);--> statement-breakpoint
CREATE TABLE `stock_lot_balances` (
	`lot_id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`on_hand` integer NOT NULL,
	FOREIGN KEY (`lot_id`) REFERENCES `stock_lots`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stock_lot_balances_item_idx` ON `stock_lot_balances` (`item_id`);--> statement-breakpoint
CREATE TABLE `stock_lots` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`lot_number` text NOT NULL,
	`expiry_date` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `stock_items`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stock_lots_item_lot_unique` ON `stock_lots` (`item_id`,`lot_number`);--> statement-breakpoint
CREATE INDEX `stock_lots_expiry_idx` ON `stock_lots` (`expiry_date`);--> statement-breakpoint
CREATE TABLE `claims` (
	`id` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL,
	`coverage_id` text NOT NULL,
	`status` text DEFAULT 'ready' NOT NULL,
	`amount_cents` integer NOT NULL,
	`exported_at` integer,
	`submitted_at` integer,
	`paid_at` integer,
	`denied_at` integer,
	`denial_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`coverage_id`) REFERENCES `coverages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `claims_invoice_unique` ON `claims` (`invoice_id`);--> statement-breakpoint
CREATE INDEX `claims_status_idx` ON `claims` (`status`);--> statement-breakpoint
CREATE TABLE `coverages` (
	`id` text PRIMARY KEY NOT NULL,
	`patient_id` text NOT NULL,
	`payer_name` text NOT NULL,
	`payer_identifier` text NOT NULL,
	`member_id` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `coverages_patient_idx` ON `coverages` (`patient_id`);--> statement-breakpoint
CREATE TABLE `credit_note_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`credit_note_id` text NOT NULL,
	`invoice_line_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`tax_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`credit_note_id`) REFERENCES `credit_notes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_line_id`) REFERENCES `invoice_lines`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `credit_note_lines_note_idx` ON `credit_note_lines` (`credit_note_id`);--> statement-breakpoint
CREATE INDEX `credit_note_lines_line_idx` ON `credit_note_lines` (`invoice_line_id`);--> statement-breakpoint
CREATE TABLE `credit_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`invoice_id` text NOT NULL,
	`reason` text NOT NULL,
	`total_cents` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_notes_number_unique` ON `credit_notes` (`number`);--> statement-breakpoint
CREATE INDEX `credit_notes_invoice_idx` ON `credit_notes` (`invoice_id`);--> statement-breakpoint
CREATE TABLE `service_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`description` text NOT NULL,
	`price_cents` integer NOT NULL,
	`tax_rate_bp` integer DEFAULT 0 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_codes_code_unique` ON `service_codes` (`code`);--> statement-breakpoint
CREATE TABLE `command_log` (
	`command_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`args_sha256` text NOT NULL,
	`result_json` text NOT NULL,
	`actor_id` text NOT NULL,
	`origin` text NOT NULL,
	`issued_at` integer NOT NULL,
	`applied_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `command_log_applied_idx` ON `command_log` (`applied_at`);--> statement-breakpoint
CREATE TABLE `number_sequences` (
	`name` text PRIMARY KEY NOT NULL,
	`last` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_device` (
	`singleton` integer PRIMARY KEY DEFAULT 1 NOT NULL,
	`device_id` text NOT NULL,
	`number_prefix` text NOT NULL,
	`last_mutation_id` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_sync_outbox` (
	`mutation_id` integer PRIMARY KEY NOT NULL,
	`command_id` text NOT NULL,
	`name` text NOT NULL,
	`args_json` text NOT NULL,
	`actor_id` text NOT NULL,
	`issued_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`sent_at` integer
);
--> statement-breakpoint
INSERT INTO `__new_sync_outbox`("command_id", "name", "args_json", "actor_id", "issued_at", "created_at", "attempts", "last_error", "sent_at") SELECT "id", "entity", "payload_json", 'unknown', "created_at", "created_at", "attempts", "last_error", "sent_at" FROM `sync_outbox` ORDER BY "created_at";--> statement-breakpoint
DROP TABLE `sync_outbox`;--> statement-breakpoint
ALTER TABLE `__new_sync_outbox` RENAME TO `sync_outbox`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `sync_outbox_command_unique` ON `sync_outbox` (`command_id`);--> statement-breakpoint
CREATE INDEX `sync_outbox_pending_idx` ON `sync_outbox` (`sent_at`,`mutation_id`);--> statement-breakpoint
ALTER TABLE `appointments` ADD `room_id` text REFERENCES rooms(id);--> statement-breakpoint
ALTER TABLE `appointments` ADD `type_id` text REFERENCES appointment_types(id);--> statement-breakpoint
ALTER TABLE `appointments` ADD `series_id` text REFERENCES appointment_series(id);--> statement-breakpoint
ALTER TABLE `appointments` ADD `occurrence_start` integer;--> statement-breakpoint
ALTER TABLE `appointments` ADD `moved` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `appointments` ADD `address` text;--> statement-breakpoint
ALTER TABLE `appointments` ADD `latitude` real;--> statement-breakpoint
ALTER TABLE `appointments` ADD `longitude` real;--> statement-breakpoint
ALTER TABLE `appointments` ADD `conflict_override` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `appointments` ADD `cancel_reason` text;--> statement-breakpoint
ALTER TABLE `appointments` ADD `cancelled_at` integer;--> statement-breakpoint
ALTER TABLE `appointments` ADD `checked_in_at` integer;--> statement-breakpoint
ALTER TABLE `appointments` ADD `completed_at` integer;--> statement-breakpoint
ALTER TABLE `appointments` ADD `visit_summary` text;--> statement-breakpoint
ALTER TABLE `appointments` ADD `visit_recorded_by` text REFERENCES staff(id);--> statement-breakpoint
CREATE INDEX `appointments_staff_idx` ON `appointments` (`staff_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `appointments_room_idx` ON `appointments` (`room_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `appointments_series_idx` ON `appointments` (`series_id`,`starts_at`);--> statement-breakpoint
ALTER TABLE `purchase_order_lines` ADD `received_quantity` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `purchase_order_lines` ADD `cancelled_quantity` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `purchase_order_lines` ADD `removed_at` integer;--> statement-breakpoint
ALTER TABLE `purchase_orders` ADD `final_number` text;--> statement-breakpoint
ALTER TABLE `purchase_orders` ADD `cancelled_at` integer;--> statement-breakpoint
ALTER TABLE `purchase_orders` ADD `cancel_reason` text;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `pack_size` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `supplier` text;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `unit_cost_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `price_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `tax_rate_bp` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `prescription_only` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `reorder_target` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_items` ADD `active` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `lot_id` text REFERENCES stock_lots(id);--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `note` text;--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `purchase_order_line_id` text;--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `appointment_id` text;--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `patient_id` text REFERENCES patients(id);--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `prescription_order_id` text;--> statement-breakpoint
CREATE INDEX `stock_movements_lot_idx` ON `stock_movements` (`lot_id`);--> statement-breakpoint
CREATE INDEX `stock_movements_appointment_idx` ON `stock_movements` (`appointment_id`);--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `kind` text DEFAULT 'service' NOT NULL;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `service_code_id` text REFERENCES service_codes(id);--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `item_id` text;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `movement_id` text;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `tax_rate_bp` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `tax_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `total_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `invoice_lines` ADD `removed_at` integer;--> statement-breakpoint
ALTER TABLE `invoices` ADD `final_number` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `appointment_id` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `coverage_id` text REFERENCES coverages(id);--> statement-breakpoint
ALTER TABLE `invoices` ADD `void_reason` text;--> statement-breakpoint
ALTER TABLE `invoices` ADD `voided_at` integer;--> statement-breakpoint
CREATE INDEX `invoices_appointment_idx` ON `invoices` (`appointment_id`);--> statement-breakpoint
CREATE INDEX `invoices_status_idx` ON `invoices` (`status`,`issued_at`);--> statement-breakpoint
ALTER TABLE `payments` ADD `kind` text DEFAULT 'payment' NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `credit_note_id` text;