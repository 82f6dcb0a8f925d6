-- Custom SQL migration (drizzle-kit generate --custom): patient orders sync (common/sync-tables.ts).
-- When the service refuses an order, line, return or reservation this workstation made, the pull
-- removes it again (main/records/sync-apply.ts). The never-deleted guards of 0010 therefore stand
-- aside while `sync_apply` holds its row, as 0015 does for movements and invoices; every other
-- delete is refused exactly as before.
DROP TRIGGER `patient_orders_no_delete`;--> statement-breakpoint
DROP TRIGGER `patient_order_lines_no_delete`;--> statement-breakpoint
DROP TRIGGER `patient_order_returns_no_delete`;--> statement-breakpoint
DROP TRIGGER `stock_reservations_no_delete`;--> statement-breakpoint
CREATE TRIGGER `patient_orders_no_delete` BEFORE DELETE ON `patient_orders` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'patient orders are never deleted (cancel them)'); END;--> statement-breakpoint
CREATE TRIGGER `patient_order_lines_no_delete` BEFORE DELETE ON `patient_order_lines` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'patient order lines are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `patient_order_returns_no_delete` BEFORE DELETE ON `patient_order_returns` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'returns are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `stock_reservations_no_delete` BEFORE DELETE ON `stock_reservations` WHEN NOT EXISTS (SELECT 1 FROM `sync_apply`) BEGIN SELECT RAISE(ABORT, 'stock reservations are never deleted (release them)'); END;
