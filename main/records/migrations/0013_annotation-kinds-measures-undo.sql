ALTER TABLE `annotations` ADD `measure_json` text;--> statement-breakpoint
ALTER TABLE `annotations` ADD `request_id` text;--> statement-breakpoint
ALTER TABLE `annotations` ADD `updated_by` text REFERENCES staff(id);--> statement-breakpoint
ALTER TABLE `annotations` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `annotations` ADD `deleted_by` text REFERENCES staff(id);--> statement-breakpoint
CREATE UNIQUE INDEX `annotations_request_id_idx` ON `annotations` (`request_id`);