-- Custom SQL migration (drizzle-kit generate --custom): data and triggers drizzle's schema cannot express.
-- 1. The placeholder schema's status words become the operations vocabulary (common/operations.ts).
UPDATE `appointments` SET `status` = 'checked_in' WHERE `status` = 'arrived';--> statement-breakpoint
UPDATE `purchase_orders` SET `status` = 'sent' WHERE `status` = 'ordered';--> statement-breakpoint
UPDATE `purchase_orders` SET `status` = 'partly_received' WHERE `status` = 'partially_received';--> statement-breakpoint
-- 2. Every movement belongs to a lot: movements from before lots go to one lot per item.
INSERT INTO `stock_lots` (`id`, `item_id`, `lot_number`, `expiry_date`, `created_at`, `updated_at`)
  SELECT 'lot-' || `item_id`, `item_id`, 'before-lots', NULL, min(`created_at`), min(`created_at`) FROM `stock_movements` WHERE `lot_id` IS NULL GROUP BY `item_id`;--> statement-breakpoint
UPDATE `stock_movements` SET `lot_id` = 'lot-' || `item_id` WHERE `lot_id` IS NULL;--> statement-breakpoint
-- 3. On hand per lot = Σ movements, kept by the database itself on every insert.
INSERT INTO `stock_lot_balances` (`lot_id`, `item_id`, `on_hand`) SELECT `lot_id`, `item_id`, sum(`delta`) FROM `stock_movements` GROUP BY `lot_id`;--> statement-breakpoint
CREATE TRIGGER `stock_movements_need_lot` BEFORE INSERT ON `stock_movements` WHEN NEW.`lot_id` IS NULL
BEGIN SELECT RAISE(ABORT, 'a stock movement names its lot'); END;--> statement-breakpoint
CREATE TRIGGER `stock_movements_balance` AFTER INSERT ON `stock_movements`
BEGIN
  INSERT OR IGNORE INTO `stock_lot_balances` (`lot_id`, `item_id`, `on_hand`) VALUES (NEW.`lot_id`, NEW.`item_id`, 0);
  UPDATE `stock_lot_balances` SET `on_hand` = `on_hand` + NEW.`delta` WHERE `lot_id` = NEW.`lot_id`;
END;--> statement-breakpoint
-- 4. Append-only: movements are never changed or removed; money rows and bookings are never removed
--    (void, cancel and corrections keep every row), issued invoice lines never change.
CREATE TRIGGER `stock_movements_no_update` BEFORE UPDATE ON `stock_movements` BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `stock_movements_no_delete` BEFORE DELETE ON `stock_movements` BEGIN SELECT RAISE(ABORT, 'stock movements are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `stock_lot_balances_no_delete` BEFORE DELETE ON `stock_lot_balances` BEGIN SELECT RAISE(ABORT, 'lot balances follow the movements'); END;--> statement-breakpoint
CREATE TRIGGER `invoices_no_delete` BEFORE DELETE ON `invoices` BEGIN SELECT RAISE(ABORT, 'invoices are never deleted (void them)'); END;--> statement-breakpoint
CREATE TRIGGER `invoice_lines_no_delete` BEFORE DELETE ON `invoice_lines` BEGIN SELECT RAISE(ABORT, 'invoice lines are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `invoice_lines_issued_frozen` BEFORE UPDATE ON `invoice_lines`
  WHEN (SELECT `status` FROM `invoices` WHERE `id` = OLD.`invoice_id`) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'lines of an issued invoice never change (use a credit note)'); END;--> statement-breakpoint
CREATE TRIGGER `payments_no_delete` BEFORE DELETE ON `payments` BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `credit_notes_no_delete` BEFORE DELETE ON `credit_notes` BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `credit_note_lines_no_delete` BEFORE DELETE ON `credit_note_lines` BEGIN SELECT RAISE(ABORT, 'credit notes are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `appointments_no_delete` BEFORE DELETE ON `appointments` BEGIN SELECT RAISE(ABORT, 'appointments are never deleted (cancel them)'); END;--> statement-breakpoint
CREATE TRIGGER `command_log_no_delete` BEFORE DELETE ON `command_log` BEGIN SELECT RAISE(ABORT, 'the command log is append-only'); END;
