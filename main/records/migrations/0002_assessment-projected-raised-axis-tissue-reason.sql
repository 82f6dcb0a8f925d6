ALTER TABLE `assessments` ADD `projected_area_mm2` real;--> statement-breakpoint
ALTER TABLE `assessments` ADD `raised_volume_mm3` real;--> statement-breakpoint
ALTER TABLE `assessments` ADD `head_to_toe_length_mm` real;--> statement-breakpoint
ALTER TABLE `assessments` ADD `width_across_mm` real;--> statement-breakpoint
ALTER TABLE `assessments` ADD `tissue_unavailable_reason` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `outline_units` text DEFAULT 'mm' NOT NULL;