CREATE TABLE `wound_baselines` (
	`wound_id` text PRIMARY KEY NOT NULL,
	`assessment_id` text NOT NULL,
	`picked_by` text,
	`picked_at` integer NOT NULL,
	FOREIGN KEY (`wound_id`) REFERENCES `wounds`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`assessment_id`) REFERENCES `assessments`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`picked_by`) REFERENCES `staff`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `assessments` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `assessments` ADD `amends_id` text REFERENCES assessments(id);--> statement-breakpoint
ALTER TABLE `assessments` ADD `amendment_reason` text;--> statement-breakpoint
CREATE UNIQUE INDEX `assessments_amends_idx` ON `assessments` (`amends_id`);