-- Patient search by any part of a name or MRN (issue 21, point 10), inside the encrypted record.
-- One FTS5 row per patient: the folded name keys (lower case, accents removed by the repository,
-- see repositories/search-key.ts) and the MRN, indexed by trigrams so any substring of 3+
-- characters is found through the index. Kept in step with `patients` by the triggers below, so
-- every writer (the app, or IT with sqlcipher) leaves the index right.
-- `patient_id` is stored, not the rowid: VACUUM (and VACUUM INTO, which backups use) may renumber
-- the rowids of a table without an INTEGER PRIMARY KEY.
CREATE VIRTUAL TABLE `patient_search` USING fts5(`patient_id` UNINDEXED, `doc`, tokenize = 'trigram');
--> statement-breakpoint
INSERT INTO `patient_search` (`patient_id`, `doc`) SELECT `id`, `family_key` || ' ' || `given_key` || ' ' || lower(`mrn`) FROM `patients`;
--> statement-breakpoint
CREATE TRIGGER `patients_search_insert` AFTER INSERT ON `patients` BEGIN
  INSERT INTO `patient_search` (`patient_id`, `doc`) VALUES (new.`id`, new.`family_key` || ' ' || new.`given_key` || ' ' || lower(new.`mrn`));
END;
--> statement-breakpoint
CREATE TRIGGER `patients_search_update` AFTER UPDATE OF `id`, `family_key`, `given_key`, `mrn` ON `patients` BEGIN
  DELETE FROM `patient_search` WHERE `patient_id` = old.`id`;
  INSERT INTO `patient_search` (`patient_id`, `doc`) VALUES (new.`id`, new.`family_key` || ' ' || new.`given_key` || ' ' || lower(new.`mrn`));
END;
--> statement-breakpoint
CREATE TRIGGER `patients_search_delete` AFTER DELETE ON `patients` BEGIN
  DELETE FROM `patient_search` WHERE `patient_id` = old.`id`;
END;
