ALTER TABLE `assessments` ADD `tissue_confirmed_json` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `tissue_paint_json` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `body_axis_json` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `details_json` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `request_id` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `sign_off_comment` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `voided_at` integer;--> statement-breakpoint
ALTER TABLE `assessments` ADD `voided_by` text REFERENCES staff(id);--> statement-breakpoint
ALTER TABLE `assessments` ADD `void_reason` text;--> statement-breakpoint
CREATE UNIQUE INDEX `assessments_request_id_idx` ON `assessments` (`request_id`);--> statement-breakpoint
-- An assessment's clinical date is its scan's capture time (issue 21); when it was saved stays in created_at.
UPDATE `assessments` SET `measured_at` = (SELECT `captured_at` FROM `scans` WHERE `scans`.`id` = `assessments`.`scan_id`) WHERE `scan_id` IS NOT NULL AND EXISTS (SELECT 1 FROM `scans` WHERE `scans`.`id` = `assessments`.`scan_id`);