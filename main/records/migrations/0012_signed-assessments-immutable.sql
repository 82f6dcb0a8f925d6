-- A signed-off assessment is part of the clinical record as signed: the record itself refuses to
-- change or delete it (a correction is a new version that amends it). An amendment must name a
-- signed-off assessment, on the same wound and scan, one version higher.
CREATE TRIGGER `assessments_signed_no_update`
BEFORE UPDATE ON `assessments`
WHEN OLD.`signed_off_at` IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'ASSESSMENT_SIGNED: a signed-off assessment cannot be changed; amend it');
END;
--> statement-breakpoint
CREATE TRIGGER `assessments_signed_no_delete`
BEFORE DELETE ON `assessments`
WHEN OLD.`signed_off_at` IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'ASSESSMENT_SIGNED: a signed-off assessment cannot be deleted');
END;
--> statement-breakpoint
CREATE TRIGGER `assessments_amendment_of_signed`
BEFORE INSERT ON `assessments`
WHEN NEW.`amends_id` IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'AMENDMENT_INVALID: an amendment names a signed-off assessment of the same wound and scan, one version higher')
	WHERE NOT EXISTS (
		SELECT 1 FROM `assessments` AS old
		WHERE old.`id` = NEW.`amends_id`
			AND old.`signed_off_at` IS NOT NULL
			AND old.`wound_id` = NEW.`wound_id`
			AND old.`scan_id` IS NEW.`scan_id`
			AND NEW.`version` = old.`version` + 1
	);
END;
