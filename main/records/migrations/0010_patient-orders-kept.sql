-- Custom SQL migration (drizzle-kit generate --custom): patient orders, their lines and returns and
-- stock reservations are never deleted (a cancelled order keeps its rows and its reason; a released
-- reservation stays as the record of what was held).
CREATE TRIGGER `patient_orders_no_delete` BEFORE DELETE ON `patient_orders` BEGIN SELECT RAISE(ABORT, 'patient orders are never deleted (cancel them)'); END;--> statement-breakpoint
CREATE TRIGGER `patient_order_lines_no_delete` BEFORE DELETE ON `patient_order_lines` BEGIN SELECT RAISE(ABORT, 'patient order lines are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `patient_order_returns_no_delete` BEFORE DELETE ON `patient_order_returns` BEGIN SELECT RAISE(ABORT, 'returns are never deleted'); END;--> statement-breakpoint
CREATE TRIGGER `stock_reservations_no_delete` BEFORE DELETE ON `stock_reservations` BEGIN SELECT RAISE(ABORT, 'stock reservations are never deleted (release them)'); END;
