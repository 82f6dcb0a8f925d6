/**
 * Billing: an invoice per visit from service codes and the supplies used there; draft → issued →
 * part-paid → paid, or void. An issued invoice never changes: corrections are credit notes (all or
 * some units of lines), refunds pay back what a credit leaves overpaid, a void keeps every row.
 * balance = Σ lines − Σ credits − Σ payments + Σ refunds, in integer minor units (dinero.js).
 * Invoices name patients: every read and change is audited.
 */
import { and, asc, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import {
  addLineArgs, createClaimArgs, createInvoiceArgs, creditNoteArgs, defineServiceCodeArgs, invoiceListInput, issueArgs, markClaimArgs, recordPaymentArgs, removeLineArgs, setCoverageArgs, voidArgs,
  AGING_BUCKETS, type ClaimView, type InvoiceDetail, type InvoiceView,
} from '../../common/billing';
import type { InvoiceStatus, OperationsSettings } from '../../common/operations';
import { daysBetween, localDate } from '../../common/time';
import type { z } from 'zod';
import { defineCommand, InvalidTransitionError, OperationNotFoundError, type CommandBus, type CommandContext } from '../commands/index';
import { appendAudit, actorRole, tables, sqliteCode, type Actor, type ClinicRecord } from '../records/index';
import { ClaimExistsError, ServiceCodeTakenError, InvoiceEmptyError, InvoiceHasPaymentsError, InvoiceLockedError, NoCoverageError, OverCreditError, OverpaymentError } from './errors';
import { creditMoney, lineMoney } from './money';

const { invoices: V, invoiceLines: VL, payments: Pay, creditNotes: CN, creditNoteLines: CNL, serviceCodes: SC, coverages: Cov, claims: Cl, patients: P, stockItems: I, stockMovements: M } = tables;

export interface BillingDeps {
  record: ClinicRecord;
  bus: CommandBus;
  settings: () => OperationsSettings;
  /** The visit an invoice is for: its patient and the service code of its appointment type. */
  visit(appointmentId: string): { patientId: string; serviceCodeId: string | null };
  now?: () => number;
}

export interface Totals {
  totalCents: number;
  creditedCents: number;
  paidCents: number;
  refundedCents: number;
  balanceCents: number;
}

export interface BillingService {
  list(input: z.input<typeof invoiceListInput>, actor: Actor): InvoiceView[];
  get(invoiceId: string, actor: Actor): InvoiceDetail;
  /** The visit's invoices (draft or issued), for the visit screen. */
  forVisit(appointmentId: string, actor: Actor): InvoiceView[];
  totals(invoiceId: string): Totals;
  aging(at?: number): { buckets: Array<{ bucket: (typeof AGING_BUCKETS)[number]; count: number; balanceCents: number }>; currency: string };
  serviceCodes(): Array<{ id: string; code: string; description: string; priceCents: number; taxRateBp: number; active: boolean }>;
  coverages(patientId: string, actor: Actor): Array<{ id: string; payerName: string; payerIdentifier: string; memberId: string; active: boolean }>;
  claims(filter: { status?: string | null }, actor: Actor): ClaimView[];
  /**
   * Inside a patient-order command: supplies delivered or collected become lines (ids given) of
   * the patient's open (draft) invoice, or of a new one.
   */
  addOrderSupplies(ctx: CommandContext, order: { patientId: string; lines: Array<{ invoiceLineId: string; itemId: string; quantity: number; unitPriceCents: number; taxRateBp: number }> }): { invoiceId: string; number: string };
  /**
   * Inside a patient-order command: units of a supply line given back. An issued invoice gets a
   * credit note (and a refund of what it leaves overpaid, when asked); a draft's line is reduced;
   * a void invoice bills nothing, so nothing changes.
   */
  creditReturn(ctx: CommandContext, r: { creditNoteId: string; reason: string; lines: Array<{ invoiceLineId: string; quantity: number }>; refund: z.output<typeof creditNoteArgs>['refund'] }): { billing: 'credit_note' | 'draft_corrected' | 'not_billed'; creditNoteId: string | null };
  /** Inside a stock command: supplies used at a visit become lines of its draft invoice. */
  addVisitSupplies(ctx: CommandContext, used: { appointmentId: string; patientId: string; supplies: Array<{ movementId: string; itemId: string; quantity: number }> }): void;
}

export function createBilling(deps: BillingDeps): BillingService {
  const { record, bus, settings } = deps;
  const { db } = record;
  const clock = deps.now ?? Date.now;
  const audit = (actor: Actor, action: string, entityId: string | null): void => void appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'invoice', entityId });

  function invoice(id: string) {
    const row = db.select().from(V).where(eq(V.id, id)).get();
    if (!row) throw new OperationNotFoundError('invoice', id);
    return row;
  }
  function draft(id: string) {
    const row = invoice(id);
    if (row.status !== 'draft') throw new InvoiceLockedError(row.status);
    return row;
  }
  const liveLines = (invoiceId: string) => db.select().from(VL).where(and(eq(VL.invoiceId, invoiceId), isNull(VL.removedAt))).orderBy(asc(VL.createdAt), sql`invoice_lines.rowid`).all();

  function totals(invoiceId: string): Totals {
    const inv = invoice(invoiceId);
    const credited = db.select({ s: sql<number>`coalesce(sum(${CN.totalCents}), 0)` }).from(CN).where(eq(CN.invoiceId, invoiceId)).get()!.s;
    const pays = db
      .select({ paid: sql<number>`coalesce(sum(CASE WHEN ${Pay.kind} = 'payment' THEN ${Pay.amountCents} END), 0)`, refunded: sql<number>`coalesce(sum(CASE WHEN ${Pay.kind} = 'refund' THEN ${Pay.amountCents} END), 0)` })
      .from(Pay)
      .where(eq(Pay.invoiceId, invoiceId))
      .get()!;
    const balance = inv.status === 'void' ? 0 : inv.totalCents - credited - pays.paid + pays.refunded;
    return { totalCents: inv.totalCents, creditedCents: credited, paidCents: pays.paid, refundedCents: pays.refunded, balanceCents: balance };
  }

  function settle(ctx: CommandContext, invoiceId: string): InvoiceStatus {
    const inv = invoice(invoiceId);
    if (inv.status === 'draft' || inv.status === 'void') return inv.status;
    const t = totals(invoiceId);
    const status: InvoiceStatus = t.balanceCents <= 0 ? 'paid' : t.paidCents - t.refundedCents > 0 ? 'part_paid' : 'issued';
    if (status !== inv.status) db.update(V).set({ status, updatedAt: ctx.now }).where(eq(V.id, invoiceId)).run();
    return status;
  }

  function refreshTotal(ctx: CommandContext, invoiceId: string): void {
    const total = db.select({ s: sql<number>`coalesce(sum(${VL.totalCents}), 0)` }).from(VL).where(and(eq(VL.invoiceId, invoiceId), isNull(VL.removedAt))).get()!.s;
    db.update(V).set({ totalCents: total, updatedAt: ctx.now }).where(eq(V.id, invoiceId)).run();
  }

  function addServiceLine(ctx: CommandContext, invoiceId: string, lineId: string, serviceCodeId: string, quantity: number, currency: string): void {
    const sc = db.select().from(SC).where(eq(SC.id, serviceCodeId)).get();
    if (!sc) throw new OperationNotFoundError('service code', serviceCodeId);
    const m = lineMoney(sc.priceCents, quantity, sc.taxRateBp, currency);
    db.insert(VL).values({ id: lineId, invoiceId, kind: 'service', serviceCodeId, description: `${sc.code} ${sc.description}`, quantity, unitPriceCents: sc.priceCents, taxRateBp: sc.taxRateBp, ...m, createdAt: ctx.now, updatedAt: ctx.now }).run();
  }

  function addSupplyLines(ctx: CommandContext, invoiceId: string, supplies: Array<{ movementId: string; itemId: string; quantity: number }>, currency: string): void {
    for (const s of supplies) {
      const it = db.select().from(I).where(eq(I.id, s.itemId)).get();
      if (!it) throw new OperationNotFoundError('stock item', s.itemId);
      const m = lineMoney(it.priceCents, s.quantity, it.taxRateBp, currency);
      db.insert(VL)
        .values({ id: ctx.derivedId(`line:supply:${s.movementId}`), invoiceId, kind: 'supply', itemId: it.id, movementId: s.movementId, description: `${it.sku} ${it.name}`, quantity: s.quantity, unitPriceCents: it.priceCents, taxRateBp: it.taxRateBp, ...m, createdAt: ctx.now, updatedAt: ctx.now })
        .run();
    }
  }

  function createInvoice(ctx: CommandContext, invoiceId: string, patientId: string, appointmentId: string | null): { invoiceId: string; number: string } {
    if (!db.select({ id: P.id }).from(P).where(eq(P.id, patientId)).get()) throw new OperationNotFoundError('patient', patientId);
    const { currency } = settings();
    const number = ctx.nextNumber('INV');
    db.insert(V).values({ id: invoiceId, number, patientId, appointmentId, status: 'draft', currency, createdAt: ctx.now, updatedAt: ctx.now }).run();
    if (appointmentId !== null) {
      const v = deps.visit(appointmentId);
      if (v.patientId !== patientId) throw new OperationNotFoundError('visit of this patient', appointmentId);
      if (v.serviceCodeId) addServiceLine(ctx, invoiceId, ctx.derivedId(`line:service:${invoiceId}`), v.serviceCodeId, 1, currency);
      // Supplies already used at the visit and on no other live invoice.
      const billed = db.select({ movementId: VL.movementId }).from(VL).innerJoin(V, eq(V.id, VL.invoiceId)).where(and(ne(V.status, 'void'), isNull(VL.removedAt), sql`${VL.movementId} IS NOT NULL`));
      const unbilled = db.select({ movementId: M.id, itemId: M.itemId, delta: M.delta }).from(M).where(and(eq(M.appointmentId, appointmentId), eq(M.reason, 'usage'), sql`${M.id} NOT IN ${billed}`)).all();
      addSupplyLines(ctx, invoiceId, unbilled.map((u) => ({ movementId: u.movementId, itemId: u.itemId, quantity: -u.delta })), currency);
    }
    refreshTotal(ctx, invoiceId);
    ctx.audit('invoice.create', 'invoice', invoiceId);
    return { invoiceId, number };
  }

  /** A credit note for all or some units of an issued invoice's lines, with a refund of what it leaves overpaid. */
  function creditNote(ctx: CommandContext, a: z.output<typeof creditNoteArgs>) {
    const inv = invoice(a.invoiceId);
    if (inv.status === 'draft' || inv.status === 'void') throw new InvalidTransitionError('invoice', inv.status, 'credited');
    const lines = new Map(liveLines(inv.id).map((l) => [l.id, l]));
    const number = ctx.nextNumber('CN');
    let total = 0;
    const rows = a.lines.map((c, i) => {
      const line = lines.get(c.invoiceLineId);
      if (!line) throw new OperationNotFoundError('invoice line', c.invoiceLineId);
      const before = db.select({ q: sql<number>`coalesce(sum(${CNL.quantity}), 0)` }).from(CNL).where(eq(CNL.invoiceLineId, line.id)).get()!.q;
      const sameNote = a.lines.slice(0, i).filter((x) => x.invoiceLineId === line.id).reduce((s, x) => s + x.quantity, 0);
      const left = line.quantity - before - sameNote;
      if (c.quantity > left) throw new OverCreditError(left);
      const m = creditMoney(line, before + sameNote, c.quantity, inv.currency);
      total += m.totalCents;
      return { id: ctx.derivedId(`credit-line:${i}`), creditNoteId: a.creditNoteId, invoiceLineId: line.id, quantity: c.quantity, ...m, createdAt: ctx.now, updatedAt: ctx.now };
    });
    db.insert(CN).values({ id: a.creditNoteId, number, invoiceId: inv.id, reason: a.reason, totalCents: total, createdBy: ctx.actor.id === 'system' ? null : ctx.actor.id, createdAt: ctx.now, updatedAt: ctx.now }).run();
    for (const r of rows) db.insert(CNL).values(r).run();
    let refundCents = 0;
    if (a.refund) {
      // Pay back what the credit leaves overpaid (never more than was paid).
      refundCents = Math.max(0, -totals(inv.id).balanceCents);
      if (refundCents > 0) {
        db.insert(Pay)
          .values({ id: ctx.derivedId('refund'), invoiceId: inv.id, kind: 'refund', creditNoteId: a.creditNoteId, amountCents: refundCents, method: a.refund.method, reference: a.refund.reference, receivedAt: ctx.now, createdAt: ctx.now, updatedAt: ctx.now })
          .run();
      }
    }
    const status = settle(ctx, inv.id);
    ctx.audit('invoice.credit_note', 'invoice', inv.id);
    return { creditNoteId: a.creditNoteId, number, totalCents: total, refundCents, status };
  }

  const commands = [
    defineCommand('billing.defineServiceCode', defineServiceCodeArgs, (ctx, a) => {
      const { serviceCodeId, ...fields } = a;
      try {
        db.insert(SC).values({ id: serviceCodeId, ...fields, createdAt: ctx.now, updatedAt: ctx.now }).onConflictDoUpdate({ target: SC.id, set: { ...fields, updatedAt: ctx.now } }).run();
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') throw new ServiceCodeTakenError(a.code);
        throw error;
      }
      ctx.audit('service_code.define', 'service_code', serviceCodeId);
      return { serviceCodeId };
    }),
    defineCommand('billing.setCoverage', setCoverageArgs, (ctx, a) => {
      if (!db.select({ id: P.id }).from(P).where(eq(P.id, a.patientId)).get()) throw new OperationNotFoundError('patient', a.patientId);
      const { coverageId, ...fields } = a;
      const existing = db.select({ patientId: Cov.patientId }).from(Cov).where(eq(Cov.id, coverageId)).get();
      if (existing && existing.patientId !== a.patientId) throw new OperationNotFoundError('coverage of this patient', coverageId);
      db.insert(Cov).values({ id: coverageId, ...fields, createdAt: ctx.now, updatedAt: ctx.now }).onConflictDoUpdate({ target: Cov.id, set: { ...fields, updatedAt: ctx.now } }).run();
      ctx.audit('coverage.set', 'patient', a.patientId);
      return { coverageId };
    }),
    defineCommand('billing.createInvoice', createInvoiceArgs, (ctx, a) => createInvoice(ctx, a.invoiceId, a.patientId, a.appointmentId)),
    defineCommand('billing.addLine', addLineArgs, (ctx, a) => {
      const inv = draft(a.invoiceId);
      if (a.serviceCodeId) addServiceLine(ctx, inv.id, a.lineId, a.serviceCodeId, a.quantity, inv.currency);
      else {
        const m = lineMoney(a.unitPriceCents!, a.quantity, a.taxRateBp ?? 0, inv.currency);
        db.insert(VL).values({ id: a.lineId, invoiceId: inv.id, kind: 'service', description: a.description!, quantity: a.quantity, unitPriceCents: a.unitPriceCents!, taxRateBp: a.taxRateBp ?? 0, ...m, createdAt: ctx.now, updatedAt: ctx.now }).run();
      }
      refreshTotal(ctx, inv.id);
      ctx.audit('invoice.add_line', 'invoice', inv.id);
      return { lineId: a.lineId };
    }),
    defineCommand('billing.removeLine', removeLineArgs, (ctx, a) => {
      draft(a.invoiceId);
      const r = db.update(VL).set({ removedAt: ctx.now, updatedAt: ctx.now }).where(and(eq(VL.id, a.lineId), eq(VL.invoiceId, a.invoiceId), isNull(VL.removedAt))).run();
      if (r.changes === 0) throw new OperationNotFoundError('invoice line', a.lineId);
      refreshTotal(ctx, a.invoiceId);
      ctx.audit('invoice.remove_line', 'invoice', a.invoiceId);
      return { lineId: a.lineId };
    }),
    defineCommand('billing.issue', issueArgs, (ctx, a) => {
      const inv = draft(a.invoiceId);
      if (liveLines(inv.id).length === 0) throw new InvoiceEmptyError();
      if (a.coverageId) {
        const cov = db.select().from(Cov).where(eq(Cov.id, a.coverageId)).get();
        if (!cov || cov.patientId !== inv.patientId) throw new OperationNotFoundError('coverage of this patient', a.coverageId);
      }
      db.update(V).set({ status: 'issued', issuedAt: ctx.now, dueAt: ctx.now + settings().paymentTermsDays * 86_400_000, coverageId: a.coverageId, updatedAt: ctx.now }).where(eq(V.id, inv.id)).run();
      const status = settle(ctx, inv.id);
      ctx.audit('invoice.issue', 'invoice', inv.id);
      return { invoiceId: inv.id, number: inv.number, status };
    }),
    defineCommand('billing.recordPayment', recordPaymentArgs, (ctx, a) => {
      const inv = invoice(a.invoiceId);
      if (inv.status !== 'issued' && inv.status !== 'part_paid') throw new InvalidTransitionError('invoice', inv.status, 'paid');
      const { balanceCents } = totals(inv.id);
      if (a.amountCents > balanceCents) throw new OverpaymentError(balanceCents);
      db.insert(Pay).values({ id: a.paymentId, invoiceId: inv.id, kind: 'payment', amountCents: a.amountCents, method: a.method, reference: a.reference, receivedAt: ctx.now, createdAt: ctx.now, updatedAt: ctx.now }).run();
      const status = settle(ctx, inv.id);
      ctx.audit('invoice.payment', 'invoice', inv.id);
      return { paymentId: a.paymentId, status };
    }),
    defineCommand('billing.creditNote', creditNoteArgs, (ctx, a) => creditNote(ctx, a)),
    defineCommand('billing.void', voidArgs, (ctx, a) => {
      const inv = invoice(a.invoiceId);
      if (inv.status === 'void') throw new InvalidTransitionError('invoice', inv.status, 'voided again');
      const t = totals(inv.id);
      if (t.paidCents - t.refundedCents !== 0 || t.creditedCents > 0) throw new InvoiceHasPaymentsError();
      db.update(V).set({ status: 'void', voidReason: a.reason, voidedAt: ctx.now, updatedAt: ctx.now }).where(eq(V.id, inv.id)).run();
      ctx.audit('invoice.void', 'invoice', inv.id);
      return { invoiceId: inv.id, status: 'void' };
    }),
    defineCommand('billing.createClaim', createClaimArgs, (ctx, a) => {
      const inv = invoice(a.invoiceId);
      if (inv.status === 'draft' || inv.status === 'void') throw new InvalidTransitionError('invoice', inv.status, 'claimed');
      const coverageId = inv.coverageId ?? db.select({ id: Cov.id }).from(Cov).where(and(eq(Cov.patientId, inv.patientId), eq(Cov.active, true))).orderBy(desc(Cov.createdAt)).get()?.id;
      if (!coverageId) throw new NoCoverageError();
      if (db.select({ id: Cl.id }).from(Cl).where(eq(Cl.invoiceId, inv.id)).get()) throw new ClaimExistsError();
      const t = totals(inv.id);
      db.insert(Cl).values({ id: a.claimId, invoiceId: inv.id, coverageId, status: 'ready', amountCents: t.totalCents - t.creditedCents, createdAt: ctx.now, updatedAt: ctx.now }).run();
      ctx.audit('claim.create', 'claim', a.claimId);
      return { claimId: a.claimId };
    }),
    defineCommand('billing.markClaim', markClaimArgs, (ctx, a) => {
      const claim = db.select().from(Cl).where(eq(Cl.id, a.claimId)).get();
      if (!claim) throw new OperationNotFoundError('claim', a.claimId);
      const allowed: Record<string, string[]> = { ready: ['submitted'], submitted: ['paid', 'denied'], denied: ['submitted'], paid: [] };
      if (!allowed[claim.status]!.includes(a.status)) throw new InvalidTransitionError('claim', claim.status, `marked ${a.status}`);
      const at = { submitted: { submittedAt: ctx.now }, paid: { paidAt: ctx.now }, denied: { deniedAt: ctx.now, denialReason: a.reason } }[a.status];
      db.update(Cl).set({ status: a.status, ...at, updatedAt: ctx.now }).where(eq(Cl.id, claim.id)).run();
      ctx.audit(`claim.${a.status}`, 'claim', claim.id);
      return { claimId: claim.id, status: a.status };
    }),
  ];
  bus.register(...(commands as never[]));

  // ---- reads --------------------------------------------------------------------------------

  const patientName = sql<string>`${P.familyName} || ', ' || ${P.givenName}`;
  function views(where: ReturnType<typeof and>, limit = 500): InvoiceView[] {
    const rows = db.select({ inv: V, patientName, mrn: P.mrn }).from(V).innerJoin(P, eq(P.id, V.patientId)).where(where).orderBy(desc(V.createdAt), desc(V.id)).limit(limit).all();
    return rows.map(({ inv, patientName: name, mrn }) => {
      const t = totals(inv.id);
      return {
        id: inv.id, number: inv.number, finalNumber: inv.finalNumber, patientId: inv.patientId, patientName: name, mrn, appointmentId: inv.appointmentId, status: inv.status, currency: inv.currency,
        issuedAt: inv.issuedAt, dueAt: inv.dueAt, voidReason: inv.voidReason, coverageId: inv.coverageId, createdAt: inv.createdAt, ...t,
      };
    });
  }

  const bucketOf = (days: number): (typeof AGING_BUCKETS)[number] => (days <= 30 ? '0-30' : days <= 60 ? '31-60' : days <= 90 ? '61-90' : '90+');
  function unpaid(at: number) {
    const today = localDate(at, settings().timeZone);
    return views(inArray(V.status, ['issued', 'part_paid']), 100_000)
      .filter((v) => v.balanceCents > 0)
      .map((v) => ({ ...v, bucket: bucketOf(daysBetween(localDate(v.issuedAt!, settings().timeZone), today)) }));
  }

  return {
    list(input, actor) {
      const q = invoiceListInput.parse(input);
      return record.transaction(() => {
        const rows = q.aging
          ? unpaid(clock()).filter((v) => v.bucket === q.aging && (!q.patientId || v.patientId === q.patientId)).slice(0, q.limit).map(({ bucket: _b, ...v }) => v)
          : views(and(q.status ? eq(V.status, q.status) : undefined, q.patientId ? eq(V.patientId, q.patientId) : undefined), q.limit);
        audit(actor, 'invoice.list', null);
        return rows;
      });
    },
    get(invoiceId, actor) {
      return record.transaction(() => {
        const [view] = views(eq(V.id, invoiceId));
        if (!view) throw new OperationNotFoundError('invoice', invoiceId);
        const credited = db.select({ lineId: CNL.invoiceLineId, q: sql<number>`sum(${CNL.quantity})` }).from(CNL).innerJoin(CN, eq(CN.id, CNL.creditNoteId)).where(eq(CN.invoiceId, invoiceId)).groupBy(CNL.invoiceLineId).all();
        const creditedBy = new Map(credited.map((c) => [c.lineId, c.q]));
        const lines = db.select().from(VL).where(eq(VL.invoiceId, invoiceId)).orderBy(asc(VL.createdAt), sql`invoice_lines.rowid`).all();
        const claim = db.select({ id: Cl.id, status: Cl.status }).from(Cl).where(eq(Cl.invoiceId, invoiceId)).get() ?? null;
        audit(actor, 'invoice.read', invoiceId);
        return {
          ...view,
          lines: lines.map((l) => ({ id: l.id, kind: l.kind, description: l.description, quantity: l.quantity, unitPriceCents: l.unitPriceCents, amountCents: l.amountCents, taxRateBp: l.taxRateBp, taxCents: l.taxCents, totalCents: l.totalCents, creditedQuantity: creditedBy.get(l.id) ?? 0, removed: l.removedAt !== null })),
          payments: db.select({ id: Pay.id, kind: Pay.kind, amountCents: Pay.amountCents, method: Pay.method, reference: Pay.reference, receivedAt: Pay.receivedAt }).from(Pay).where(eq(Pay.invoiceId, invoiceId)).orderBy(asc(Pay.receivedAt), asc(Pay.id)).all(),
          creditNotes: db.select({ id: CN.id, number: CN.number, reason: CN.reason, totalCents: CN.totalCents, createdAt: CN.createdAt }).from(CN).where(eq(CN.invoiceId, invoiceId)).orderBy(asc(CN.createdAt)).all(),
          claim,
        };
      });
    },
    forVisit(appointmentId, actor) {
      return record.transaction(() => {
        const rows = views(eq(V.appointmentId, appointmentId));
        audit(actor, 'invoice.list', null);
        return rows;
      });
    },
    totals,
    aging(at = clock()) {
      const rows = unpaid(at);
      return { buckets: AGING_BUCKETS.map((bucket) => ({ bucket, count: rows.filter((r) => r.bucket === bucket).length, balanceCents: rows.filter((r) => r.bucket === bucket).reduce((s, r) => s + r.balanceCents, 0) })), currency: settings().currency };
    },
    serviceCodes: () => db.select({ id: SC.id, code: SC.code, description: SC.description, priceCents: SC.priceCents, taxRateBp: SC.taxRateBp, active: SC.active }).from(SC).orderBy(asc(SC.code)).all(),
    coverages(patientId, actor) {
      return record.transaction(() => {
        appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'coverage.list', entity: 'patient', entityId: patientId });
        return db.select({ id: Cov.id, payerName: Cov.payerName, payerIdentifier: Cov.payerIdentifier, memberId: Cov.memberId, active: Cov.active }).from(Cov).where(eq(Cov.patientId, patientId)).orderBy(desc(Cov.createdAt)).all();
      });
    },
    claims(filter, actor) {
      return record.transaction(() => {
        const rows = db
          .select({ claim: Cl, invoiceNumber: V.number, currency: V.currency, patientName, payerName: Cov.payerName })
          .from(Cl)
          .innerJoin(V, eq(V.id, Cl.invoiceId))
          .innerJoin(P, eq(P.id, V.patientId))
          .innerJoin(Cov, eq(Cov.id, Cl.coverageId))
          .where(filter.status ? eq(Cl.status, filter.status as ClaimView['status']) : undefined)
          .orderBy(desc(Cl.createdAt))
          .limit(500)
          .all();
        appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action: 'claim.list', entity: 'claim', entityId: null });
        return rows.map(({ claim, invoiceNumber, currency, patientName: name, payerName }) => ({
          id: claim.id, invoiceId: claim.invoiceId, invoiceNumber, patientName: name, payerName, status: claim.status, amountCents: claim.amountCents, currency,
          submittedAt: claim.submittedAt, paidAt: claim.paidAt, deniedAt: claim.deniedAt, denialReason: claim.denialReason,
        }));
      });
    },
    addOrderSupplies(ctx, order) {
      const open = db.select().from(V).where(and(eq(V.patientId, order.patientId), eq(V.status, 'draft'))).orderBy(desc(V.createdAt), desc(V.id)).get();
      const { invoiceId, number } = open ? { invoiceId: open.id, number: open.number } : createInvoice(ctx, ctx.derivedId('invoice:order'), order.patientId, null);
      const { currency } = invoice(invoiceId);
      for (const l of order.lines) {
        const it = db.select().from(I).where(eq(I.id, l.itemId)).get();
        if (!it) throw new OperationNotFoundError('stock item', l.itemId);
        const m = lineMoney(l.unitPriceCents, l.quantity, l.taxRateBp, currency);
        db.insert(VL)
          .values({ id: l.invoiceLineId, invoiceId, kind: 'supply', itemId: it.id, description: `${it.sku} ${it.name}`, quantity: l.quantity, unitPriceCents: l.unitPriceCents, taxRateBp: l.taxRateBp, ...m, createdAt: ctx.now, updatedAt: ctx.now })
          .run();
      }
      refreshTotal(ctx, invoiceId);
      ctx.audit('invoice.add_line', 'invoice', invoiceId);
      return { invoiceId, number };
    },
    creditReturn(ctx, r) {
      const lines = r.lines.map((l) => {
        const line = db.select().from(VL).where(eq(VL.id, l.invoiceLineId)).get();
        if (!line) throw new OperationNotFoundError('invoice line', l.invoiceLineId);
        return { line, quantity: l.quantity };
      });
      const inv = invoice(lines[0]!.line.invoiceId);
      if (lines.some((l) => l.line.invoiceId !== inv.id)) throw new OperationNotFoundError('invoice line of this invoice', r.lines[0]!.invoiceLineId);
      if (inv.status === 'void') return { billing: 'not_billed', creditNoteId: null };
      if (inv.status !== 'draft') {
        creditNote(ctx, { invoiceId: inv.id, creditNoteId: r.creditNoteId, reason: r.reason, lines: r.lines, refund: r.refund });
        return { billing: 'credit_note', creditNoteId: r.creditNoteId };
      }
      // A draft is still being written: the returned units simply come off its line.
      for (const { line, quantity } of lines) {
        const current = db.select().from(VL).where(eq(VL.id, line.id)).get()!;
        if (current.removedAt !== null || quantity > current.quantity) throw new OverCreditError(current.removedAt !== null ? 0 : current.quantity);
        const left = current.quantity - quantity;
        const m = lineMoney(current.unitPriceCents, left, current.taxRateBp, inv.currency);
        db.update(VL).set(left === 0 ? { removedAt: ctx.now, updatedAt: ctx.now } : { quantity: left, ...m, updatedAt: ctx.now }).where(eq(VL.id, line.id)).run();
      }
      refreshTotal(ctx, inv.id);
      ctx.audit('invoice.return_line', 'invoice', inv.id);
      return { billing: 'draft_corrected', creditNoteId: null };
    },
    addVisitSupplies(ctx, used) {
      const open = db.select().from(V).where(and(eq(V.appointmentId, used.appointmentId), eq(V.status, 'draft'))).orderBy(asc(V.createdAt)).get();
      if (!open) {
        // The visit's draft invoice: its service line and every unbilled supply, these included.
        createInvoice(ctx, ctx.derivedId('invoice:visit'), used.patientId, used.appointmentId);
        return;
      }
      addSupplyLines(ctx, open.id, used.supplies, open.currency);
      refreshTotal(ctx, open.id);
      ctx.audit('invoice.add_line', 'invoice', open.id);
    },
  };
}
