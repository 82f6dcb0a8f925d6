-- Custom SQL migration (drizzle-kit generate --custom): triggers drizzle's schema cannot express.
-- Pulled rows are the hosted service's state. When the service refused a change this workstation
-- had already made, the pull resets it: a refused usage's movement or a refused booking is removed
-- again. The append-only guards therefore stand aside while `sync_apply` holds its row, which
-- exists only inside the transaction that applies a pulled page (main/sync/apply.ts); every other
-- write is guarded exactly as before.
DROP TRIGGER `stock_movements_no_update`;--> statement-breakpoint
DROP TRIGGER `stock_movements_no_delete`;--> statement-breakpoint
DROP TRIGGER `stock_lot_balances_no_delete`;--> statement-breakpoint
DROP TRIGGER `invoices_no_delete`;--> statement-breakpoint
DROP TRIGGER `invoice_lines_no_delete`;--> statement-breakpoint
DROP TRIGGER `invoice_lines_issued_frozen`;--> statement-breakpoint
DROP TRIGGER `payments_no_delete`;--> statement-breakpoint
DROP TRIGGER `credit_notes_no_delete`;--> statement-breakpoint
DROP TRIGGER `credit_note_lines_no_delete`;--> statement-breakpoint
DROP TRIGGER `appointments_no_delete`;--> statement-breakpoint
CREATE TRIGGER `stock_movements_no_update` BEFORE UPDATE ON `stock_movements` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `stock_movements_no_delete` BEFORE DELETE ON `stock_movements` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `stock_lot_balances_no_delete` BEFORE DELETE ON `stock_lot_balances` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'lot balances follow the movements'); END;--> statement-breakpoint
CREATE TRIGGER `invoices_no_delete` BEFORE DELETE ON `invoices` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'invoices are never deleted (void them)'); END;--> statement-breakpoint
CREATE TRIGGER `invoice_lines_no_delete` BEFORE DELETE ON `invoice_lines` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'invoice lines are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `invoice_lines_issued_frozen` BEFORE UPDATE ON `invoice_lines`
  WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) AND (SELECT `status` FROM `invoices` WHERE `id` = OLD.`invoice_id`) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'lines of an issued invoice never change (use a credit note)'); END;--> statement-breakpoint
CREATE TRIGGER `payments_no_delete` BEFORE DELETE ON `payments` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `credit_notes_no_delete` BEFORE DELETE ON `credit_notes` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `credit_note_lines_no_delete` BEFORE DELETE ON `credit_note_lines` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `appointments_no_delete` BEFORE DELETE ON `appointments` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'appointments are never deleted (cancel them)'); END;--> statement-breakpoint
-- On hand stays Σ movements when a refused movement is removed, and a removed lot takes its balance with it.
CREATE TRIGGER `stock_movements_balance_removed` AFTER DELETE ON `stock_movements`
BEGIN UPDATE `stock_lot_balances` SET `on_hand` = `on_hand` - OLD.`delta` WHERE `lot_id` = OLD.`lot_id`; END;--> statement-breakpoint
CREATE TRIGGER `stock_lots_balance_removed` AFTER DELETE ON `stock_lots`
BEGIN DELETE FROM `stock_lot_balances` WHERE `lot_id` = OLD.`id`; END;
