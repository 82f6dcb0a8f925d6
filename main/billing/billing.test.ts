import { afterEach, describe, expect, it } from 'vitest';
import { localToEpochString } from '../../common/time';
import { CLAIM_CSV_COLUMNS } from '../../common/billing';
import { createOpsFixture, seedOperations, START, type OpsFixture } from '../operations/test-helpers';
import { listAudit, newId, tables } from '../records/index';
import { assertValidR4 } from './fhir';
import { creditMoney, lineMoney } from './money';

let f: OpsFixture;
afterEach(() => f?.dispose());
const at = (local: string) => localToEpochString(local, 'Europe/Berlin');

/** A visit with supplies recorded: the nurse's usage makes the visit's draft invoice. */
function visitWithSupplies() {
  f = createOpsFixture();
  const ids = seedOperations(f);
  f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F1', expiryDate: '2026-01-01', quantity: 50 });
  const appointmentId = newId();
  f.run('bookings.book', { appointmentId, patientId: f.patients.ada, typeId: ids.dressing, staffId: f.nurse.id, roomId: ids.room1, startsAt: at('2025-03-03T10:00') });
  f.run('bookings.checkIn', { appointmentId }, f.nurse);
  f.run('stock.recordUsage', { appointmentId, patientId: f.patients.ada, lines: [{ itemId: ids.foam, quantity: 3 }] }, f.nurse);
  const [invoice] = f.ops.billing.forVisit(appointmentId, f.manager);
  return { ids, appointmentId, invoiceId: invoice!.id };
}

describe('money', () => {
  it('rounds tax half-up per line and credits parts of a line to the exact cent', () => {
    expect(lineMoney(320, 3, 1900, 'EUR')).toEqual({ amountCents: 960, taxCents: 182, totalCents: 1142 }); // 182.4
    expect(lineMoney(250, 1, 700, 'EUR')).toEqual({ amountCents: 250, taxCents: 18, totalCents: 268 }); // 17.5 → 18
    expect(lineMoney(1000, 2, 0, 'JPY')).toEqual({ amountCents: 2000, taxCents: 0, totalCents: 2000 });
    const line = { ...lineMoney(333, 3, 1900, 'EUR'), quantity: 3 };
    const parts = [creditMoney(line, 0, 1, 'EUR'), creditMoney(line, 1, 1, 'EUR'), creditMoney(line, 2, 1, 'EUR')];
    expect(parts.reduce((s, p) => s + p.totalCents, 0)).toBe(line.totalCents);
    expect(parts.reduce((s, p) => s + p.taxCents, 0)).toBe(line.taxCents);
  });
});

describe('billing', () => {
  it('makes the visit’s invoice from its service code and the supplies recorded there', () => {
    const { invoiceId } = visitWithSupplies();
    const inv = f.ops.billing.get(invoiceId, f.manager);
    expect(inv).toMatchObject({ status: 'draft', currency: 'EUR', patientName: 'Lovelace, Ada' });
    expect(inv.lines.map((l) => [l.kind, l.description, l.quantity, l.totalCents])).toEqual([
      ['service', 'WC-01 Dressing change', 1, 4500],
      ['supply', 'FOAM-10 Foam dressing 10x10', 3, 1142],
    ]);
    expect(inv.totalCents).toBe(5642);
    expect(f.ops.stock.item(inv.lines[1] ? f.record.db.select().from(tables.stockItems).all().find((i) => i.sku === 'FOAM-10')!.id : '').onHand).toBe(47);
  });

  it('issues, takes a part payment, refunds one line as a credit note, and settles; an issued invoice never changes', () => {
    const { invoiceId, ids } = visitWithSupplies();
    f.run('billing.addLine', { invoiceId, lineId: newId(), description: 'Travel surcharge', unitPriceCents: 500, quantity: 1 });
    const issued = f.run<{ number: string; status: string }>('billing.issue', { invoiceId });
    expect(issued).toMatchObject({ status: 'issued', number: expect.stringMatching(/^INV-[0-9A-Z]{4}-\d{5}$/) });
    expect(() => f.run('billing.addLine', { invoiceId, lineId: newId(), serviceCodeId: ids.svcDressing })).toThrow(expect.objectContaining({ code: 'INVOICE_LOCKED' }));
    expect(() => f.run('billing.removeLine', { invoiceId, lineId: f.ops.billing.get(invoiceId, f.manager).lines[0]!.id })).toThrow(expect.objectContaining({ code: 'INVOICE_LOCKED' }));
    expect(() => f.record.db.update(tables.invoiceLines).set({ quantity: 9 }).run()).toThrow(/never change/);

    expect(f.run('billing.recordPayment', { invoiceId, paymentId: newId(), amountCents: 3000, method: 'card', reference: 'T-81' })).toMatchObject({ status: 'part_paid' });
    expect(() => f.run('billing.recordPayment', { invoiceId, paymentId: newId(), amountCents: 99_999, method: 'cash' })).toThrow(expect.objectContaining({ code: 'OVERPAYMENT' }));
    expect(f.ops.billing.totals(invoiceId)).toMatchObject({ totalCents: 6142, paidCents: 3000, balanceCents: 3142 });

    const supplyLine = f.ops.billing.get(invoiceId, f.manager).lines.find((l) => l.kind === 'supply')!;
    const cn = f.run<{ number: string; totalCents: number; refundCents: number }>('billing.creditNote', { invoiceId, creditNoteId: newId(), reason: 'Dressing not used', lines: [{ invoiceLineId: supplyLine.id, quantity: 3 }], refund: { method: 'card', reference: 'R-1' } });
    expect(cn).toMatchObject({ totalCents: 1142, refundCents: 0, number: expect.stringMatching(/^CN-/) });
    expect(f.ops.billing.totals(invoiceId)).toMatchObject({ creditedCents: 1142, balanceCents: 2000 });
    expect(() => f.run('billing.creditNote', { invoiceId, creditNoteId: newId(), reason: 'again', lines: [{ invoiceLineId: supplyLine.id, quantity: 1 }] })).toThrow(expect.objectContaining({ code: 'OVER_CREDIT' }));
    expect(f.run('billing.recordPayment', { invoiceId, paymentId: newId(), amountCents: 2000, method: 'cash' })).toMatchObject({ status: 'paid' });

    // Crediting a paid line pays the money back as a refund.
    const travel = f.ops.billing.get(invoiceId, f.manager).lines.find((l) => l.description === 'Travel surcharge')!;
    expect(f.run('billing.creditNote', { invoiceId, creditNoteId: newId(), reason: 'No surcharge', lines: [{ invoiceLineId: travel.id, quantity: 1 }], refund: { method: 'cash', reference: null } })).toMatchObject({ refundCents: 500, status: 'paid' });
    const detail = f.ops.billing.get(invoiceId, f.manager);
    expect(detail).toMatchObject({ totalCents: 6142, creditedCents: 1642, paidCents: 5000, refundedCents: 500, balanceCents: 0 });
    expect(detail.lines.map((l) => l.creditedQuantity)).toEqual([0, 3, 1]);
    expect(detail.payments.map((p) => [p.kind, p.amountCents])).toEqual([['payment', 3000], ['payment', 2000], ['refund', 500]]);
    expect(() => f.run('billing.void', { invoiceId, reason: 'x' })).toThrow(expect.objectContaining({ code: 'INVOICE_HAS_PAYMENTS' }));
  });

  it('voids an invoice and keeps every row; a draft without lines cannot be issued', () => {
    f = createOpsFixture();
    const ids = seedOperations(f);
    const empty = newId();
    f.run('billing.createInvoice', { invoiceId: empty, patientId: f.patients.grace });
    expect(() => f.run('billing.issue', { invoiceId: empty })).toThrow(expect.objectContaining({ code: 'INVOICE_EMPTY' }));
    const invoiceId = newId();
    f.run('billing.createInvoice', { invoiceId, patientId: f.patients.grace });
    f.run('billing.addLine', { invoiceId, lineId: newId(), serviceCodeId: ids.svcDressing, quantity: 2 });
    f.run('billing.issue', { invoiceId });
    f.run('billing.void', { invoiceId, reason: 'Billed to the wrong patient' });
    const inv = f.ops.billing.get(invoiceId, f.manager);
    expect(inv).toMatchObject({ status: 'void', voidReason: 'Billed to the wrong patient', totalCents: 9000, balanceCents: 0 });
    expect(inv.lines).toHaveLength(1);
    expect(() => f.run('billing.recordPayment', { invoiceId, paymentId: newId(), amountCents: 1, method: 'cash' })).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(() => f.record.db.delete(tables.invoices).run()).toThrow(/never deleted/);
  });

  it('ages unpaid invoices by days since issue into 0–30, 31–60, 61–90 and 90+', () => {
    f = createOpsFixture();
    const ids = seedOperations(f);
    const issueAt = (day: number, cents: number) => {
      f.clock.now = START + day * 86_400_000;
      const invoiceId = newId();
      f.run('billing.createInvoice', { invoiceId, patientId: f.patients.ada });
      f.run('billing.addLine', { invoiceId, lineId: newId(), description: 'Visit', unitPriceCents: cents });
      f.run('billing.issue', { invoiceId });
      return invoiceId;
    };
    issueAt(0, 100);
    issueAt(40, 200);
    const paid = issueAt(70, 300);
    issueAt(95, 400);
    f.run('billing.recordPayment', { invoiceId: paid, paymentId: newId(), amountCents: 300, method: 'cash' });
    f.clock.now = START + 100 * 86_400_000;
    expect(f.ops.billing.aging().buckets).toEqual([
      { bucket: '0-30', count: 1, balanceCents: 400 },
      { bucket: '31-60', count: 1, balanceCents: 200 },
      { bucket: '61-90', count: 0, balanceCents: 0 },
      { bucket: '90+', count: 1, balanceCents: 100 },
    ]);
    expect(f.ops.billing.list({ aging: '31-60' }, f.manager).map((v) => v.totalCents)).toEqual([200]);
    void ids;
  });

  it('exports claims as CSV in the documented layout and as FHIR R4 Claims that validate; marks them submitted, paid, denied', () => {
    const { invoiceId } = visitWithSupplies();
    f.run('billing.setCoverage', { coverageId: newId(), patientId: f.patients.ada, payerName: 'Northwind Health', payerIdentifier: 'NWH-001', memberId: 'M-778899' });
    f.run('billing.issue', { invoiceId });
    const supply = f.ops.billing.get(invoiceId, f.manager).lines.find((l) => l.kind === 'supply')!;
    f.run('billing.creditNote', { invoiceId, creditNoteId: newId(), reason: 'One returned', lines: [{ invoiceLineId: supply.id, quantity: 1 }] });
    const claimId = newId();
    f.run('billing.createClaim', { claimId, invoiceId });
    expect(() => f.run('billing.createClaim', { claimId: newId(), invoiceId })).toThrow(expect.objectContaining({ code: 'CLAIM_EXISTS' }));

    const csv = f.ops.claimsExport.csv([claimId], f.manager);
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    expect(header).toBe(CLAIM_CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(2);
    const cols = rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [CLAIM_CSV_COLUMNS[i]!, v])));
    expect(cols.map((c) => [c['service_code'], c['quantity'], c['total'], c['claim_total'], c['patient_mrn'], c['member_id'], c['currency']])).toEqual([
      ['WC-01', '1', '45.00', '52.62', 'MRN-1', 'M-778899', 'EUR'],
      ['FOAM-10', '2', '7.62', '52.62', 'MRN-1', 'M-778899', 'EUR'],
    ]);

    const bundle = f.ops.claimsExport.fhir([claimId], f.manager);
    const claim = bundle.entry![0]!.resource as { resourceType: string; total: { value: number }; item: Array<{ quantity: { value: number } }> };
    expect(claim).toMatchObject({ resourceType: 'Claim', status: 'active', use: 'claim', total: { value: 52.62, currency: 'EUR' } });
    expect(claim.item.map((i) => i.quantity.value)).toEqual([1, 2]);
    // The validator is real: a Claim without its required `use`, or with a wrong type, is refused.
    const { use: _use, ...noUse } = claim as Record<string, unknown>;
    expect(() => assertValidR4(noUse as never)).toThrow(expect.objectContaining({ code: 'FHIR_INVALID', message: expect.stringContaining('use') }));
    expect(() => assertValidR4({ ...claim, total: { value: 'lots' } } as never)).toThrow(expect.objectContaining({ code: 'FHIR_INVALID' }));

    f.run('billing.markClaim', { claimId, status: 'submitted' });
    expect(() => f.run('billing.markClaim', { claimId, status: 'denied' })).toThrow();
    f.run('billing.markClaim', { claimId, status: 'denied', reason: 'Not covered' });
    f.run('billing.markClaim', { claimId, status: 'submitted' });
    f.run('billing.markClaim', { claimId, status: 'paid' });
    expect(() => f.run('billing.markClaim', { claimId, status: 'submitted' })).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(f.ops.billing.claims({}, f.manager)[0]).toMatchObject({ status: 'paid', payerName: 'Northwind Health', amountCents: 5262 });
    expect(listAudit(f.record, { entity: 'claim' }).map((r) => r.action)).toEqual(expect.arrayContaining(['claim.export_csv', 'claim.export_fhir', 'claim.paid']));
  });
});
