/**
 * Clinic operations for one open clinic: the command bus and the domains wired to each other
 * through ports (stock → billing for supplies used at a visit, purchasing → stock for receipts,
 * patient orders → stock for prescriptions and reservations and → billing for invoices and credits),
 * the clinic's operations settings and the manager's dashboard.
 */
import { and, eq, gte, inArray, lt, ne } from 'drizzle-orm';
import { z } from 'zod';
import { operationsSettingsSchema, operationsSettingsUpdateSchema, type Dashboard, type OperationsSettings } from '../../common/operations';
import { addDays, localDate, localToEpochString, mondayOf } from '../../common/time';
import { createBilling, createClaimsExport, isKnownCurrency, UnknownCurrencyError, type BillingService, type ClaimsExport } from '../billing/index';
import { createBookings, type BookingsService } from '../bookings/index';
import { createCommandBus, defineCommand, type CommandBus, type CommandEnvelope } from '../commands/index';
import { createOrders, type OrdersService } from '../orders/index';
import { createPurchasing, type PurchasingService } from '../purchasing/index';
import { tables, type Actor, type ClinicRecord } from '../records/index';
import type { Logger } from '../shared/logger';
import { createStock, type StockService } from '../stock/index';

const SETTINGS_KEY = 'operations';

export interface Operations {
  commands: CommandBus;
  bookings: BookingsService;
  stock: StockService;
  purchasing: PurchasingService;
  billing: BillingService;
  orders: OrdersService;
  claimsExport: ClaimsExport;
  settings(): OperationsSettings;
  /** Applies a named command from the renderer (`{ commandId, args }`). */
  run<R = unknown>(name: string, input: { commandId: string; args: unknown }, actor: Actor): R;
  dashboard(weeks: number, actor: Actor, at?: number): Dashboard;
}

export interface OperationsOptions {
  record: ClinicRecord;
  logger: Logger;
  now?: () => number;
}

export const updateSettingsArgs = operationsSettingsUpdateSchema;

export function createOperations({ record, logger, now }: OperationsOptions): Operations {
  const { db } = record;
  const clock = now ?? Date.now;
  const bus = createCommandBus({ record, logger, now: clock });
  const settings = (): OperationsSettings => {
    const row = db.select().from(tables.settings).where(eq(tables.settings.key, SETTINGS_KEY)).get();
    return operationsSettingsSchema.parse(row ? JSON.parse(row.value) : {});
  };

  bus.register(
    defineCommand('operations.updateSettings', updateSettingsArgs, (ctx, a) => {
      if (a.currency !== undefined && !isKnownCurrency(a.currency)) throw new UnknownCurrencyError(a.currency);
      const next = operationsSettingsSchema.parse({ ...settings(), ...a });
      db.insert(tables.settings)
        .values({ key: SETTINGS_KEY, value: JSON.stringify(next), updatedAt: ctx.now, updatedBy: ctx.actor.id })
        .onConflictDoUpdate({ target: tables.settings.key, set: { value: JSON.stringify(next), updatedAt: ctx.now, updatedBy: ctx.actor.id } })
        .run();
      ctx.audit('settings.operations', 'settings', SETTINGS_KEY);
      return next;
    }) as never,
  );

  const bookings = createBookings({ record, bus, settings });
  const billing = createBilling({
    record,
    bus,
    settings,
    now: clock,
    visit(appointmentId) {
      const v = bookings.visit(appointmentId);
      const serviceCodeId = v.typeId ? (db.select({ id: tables.appointmentTypes.serviceCodeId }).from(tables.appointmentTypes).where(eq(tables.appointmentTypes.id, v.typeId)).get()?.id ?? null) : null;
      return { patientId: v.patientId, serviceCodeId };
    },
  });
  const stock = createStock({ record, bus, settings, now: clock, visit: (id) => bookings.visit(id), onSuppliesUsed: (ctx, used) => billing.addVisitSupplies(ctx, used) });
  const purchasing = createPurchasing({ record, bus, stock });
  const orders = createOrders({ record, bus, settings, now: clock, stock, billing, isCaregiver: (staffId) => bookings.setup().clinicians.some((c) => c.id === staffId && c.homeCare) });
  const claimsExport = createClaimsExport({ record, timeZone: () => settings().timeZone });

  function dashboard(weeks: number, _actor: Actor, at: number = clock()): Dashboard {
    const s = settings();
    const tz = s.timeZone;
    const thisMonday = mondayOf(localDate(at, tz));
    const mondays = Array.from({ length: weeks }, (_, i) => addDays(thisMonday, -7 * (weeks - 1 - i)));
    const bounds = [...mondays, addDays(thisMonday, 7)].map((d) => localToEpochString(d, tz));
    const weekOf = (t: number): number => {
      for (let i = 0; i < mondays.length; i++) if (t >= bounds[i]! && t < bounds[i + 1]!) return i;
      return -1;
    };
    const from = bounds[0]!;
    const to = bounds[bounds.length - 1]!;
    const A = tables.appointments;
    const appts = db.select({ startsAt: A.startsAt, status: A.status }).from(A).where(and(gte(A.startsAt, from), lt(A.startsAt, to), inArray(A.status, ['checked_in', 'completed', 'no_show']))).all();
    const V = tables.invoices;
    const issued = db.select({ at: V.issuedAt, total: V.totalCents }).from(V).where(and(gte(V.issuedAt, from), lt(V.issuedAt, to), ne(V.status, 'void'), ne(V.status, 'draft'))).all();
    const CN = tables.creditNotes;
    const credits = db.select({ at: CN.createdAt, total: CN.totalCents }).from(CN).where(and(gte(CN.createdAt, from), lt(CN.createdAt, to))).all();
    const rows = mondays.map((week) => ({ week, visits: 0, noShows: 0, noShowRate: null as number | null, revenueCents: 0 }));
    for (const a of appts) {
      const i = weekOf(a.startsAt);
      if (i < 0) continue;
      if (a.status === 'no_show') rows[i]!.noShows++;
      else rows[i]!.visits++;
    }
    for (const v of issued) if (v.at !== null && weekOf(v.at) >= 0) rows[weekOf(v.at)]!.revenueCents += v.total;
    for (const c of credits) if (weekOf(c.at) >= 0) rows[weekOf(c.at)]!.revenueCents -= c.total;
    for (const r of rows) r.noShowRate = r.visits + r.noShows > 0 ? r.noShows / (r.visits + r.noShows) : null;
    return {
      currency: s.currency,
      weeks: rows,
      stockValueCents: stock.value().valueCents,
      belowReorder: stock.belowReorder().length,
      expiringSoon: stock.expiring(s.expiringSoonDays).length,
      expiringSoonDays: s.expiringSoonDays,
      aging: billing.aging(at).buckets,
    };
  }

  return {
    commands: bus,
    bookings,
    stock,
    purchasing,
    billing,
    orders,
    claimsExport,
    settings,
    run<R>(name: string, input: { commandId: string; args: unknown }, actor: Actor): R {
      const envelope: CommandEnvelope = { id: input.commandId, name, args: input.args };
      return bus.execute<R>(envelope, actor);
    },
    dashboard,
  };
}

export const dashboardInput = z.object({ weeks: z.number().int().min(1).max(26).default(8) });

