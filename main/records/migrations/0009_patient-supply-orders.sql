CREATE TABLE `stock_reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`lot_id` text,
	`order_line_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`status` text DEFAULT 'held' NOT NULL,
	`override` integer DEFAULT false NOT NULL,
	`movement_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`item_id`) REFERENCES `stock_items`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lot_id`) REFERENCES `stock_lots`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stock_reservations_item_idx` ON `stock_reservations` (`item_id`,`status`);--> statement-breakpoint
CREATE INDEX `stock_reservations_lot_idx` ON `stock_reservations` (`lot_id`,`status`);--> statement-breakpoint
CREATE INDEX `stock_reservations_line_idx` ON `stock_reservations` (`order_line_id`);--> statement-breakpoint
CREATE TABLE `patient_order_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`item_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_price_cents` integer NOT NULL,
	`tax_rate_bp` integer DEFAULT 0 NOT NULL,
	`prescription_order_id` text,
	`invoice_line_id` text,
	`returned_quantity` integer DEFAULT 0 NOT NULL,
	`removed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `patient_orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`item_id`) REFERENCES `stock_items`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `patient_order_lines_order_idx` ON `patient_order_lines` (`order_id`);--> statement-breakpoint
CREATE TABLE `patient_order_returns` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`line_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`restock` integer NOT NULL,
	`reason` text NOT NULL,
	`billing` text NOT NULL,
	`credit_note_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `patient_orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`line_id`) REFERENCES `patient_order_lines`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `patient_order_returns_order_idx` ON `patient_order_returns` (`order_id`);--> statement-breakpoint
CREATE TABLE `patient_orders` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`final_number` text,
	`patient_id` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`fulfilment` text NOT NULL,
	`delivery_address` text,
	`caregiver_id` text,
	`due_date` text NOT NULL,
	`notes` text,
	`repeat_of_id` text,
	`invoice_id` text,
	`created_by` text,
	`confirmed_at` integer,
	`picked_at` integer,
	`dispatched_at` integer,
	`ready_at` integer,
	`completed_at` integer,
	`cancelled_at` integer,
	`cancel_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`patient_id`) REFERENCES `patients`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`caregiver_id`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patient_orders_number_unique` ON `patient_orders` (`number`);--> statement-breakpoint
CREATE INDEX `patient_orders_patient_idx` ON `patient_orders` (`patient_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `patient_orders_status_idx` ON `patient_orders` (`status`,`due_date`);--> statement-breakpoint
ALTER TABLE `stock_items` ADD `patient_supply` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `patient_order_line_id` text;--> statement-breakpoint
CREATE INDEX `stock_movements_order_line_idx` ON `stock_movements` (`patient_order_line_id`);