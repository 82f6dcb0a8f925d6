ALTER TABLE `wounds` ADD `laterality` text;--> statement-breakpoint
CREATE INDEX `audit_log_entity_idx` ON `audit_log` (`entity`,`entity_id`,`seq`);