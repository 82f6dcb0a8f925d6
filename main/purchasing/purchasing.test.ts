import { afterEach, describe, expect, it } from 'vitest';
import { createOpsFixture, seedOperations, type OpsFixture } from '../operations/test-helpers';
import { newId, tables } from '../records/index';

let f: OpsFixture;
afterEach(() => f?.dispose());

describe('purchase orders', () => {
  it('goes draft → sent (locked) → partly received → received, creating lot receipts, and keeps the rest on back-order', () => {
    f = createOpsFixture();
    const ids = seedOperations(f);
    const orderId = newId();
    const foamLine = newId();
    const silverLine = newId();
    const { number } = f.run<{ number: string }>('purchasing.createDraft', { orderId, supplier: 'Medisupply', lines: [{ lineId: foamLine, itemId: ids.foam, quantity: 60 }, { lineId: silverLine, itemId: ids.silver, quantity: 10, unitPriceCents: 550 }] });
    expect(number).toMatch(/^PO-[0-9A-Z]{4}-00001$/);
    f.run('purchasing.updateDraft', { orderId, quantities: [{ lineId: foamLine, quantity: 50 }] });
    expect(f.ops.purchasing.get(orderId)).toMatchObject({ status: 'draft', totalCents: 50 * 150 + 10 * 550 });
    f.run('purchasing.send', { orderId });
    expect(() => f.run('purchasing.updateDraft', { orderId, quantities: [{ lineId: foamLine, quantity: 70 }] })).toThrow(expect.objectContaining({ code: 'ORDER_LOCKED' }));

    // Part 1: 30 foam of 50, silver not yet. Short: the caller must choose.
    const part1 = { orderId, lines: [{ lineId: foamLine, quantity: 30, lotNumber: 'F-1', expiryDate: '2026-05-01' }] };
    expect(() => f.run('purchasing.receive', part1)).toThrow(expect.objectContaining({ code: 'REMAINDER_DECISION_REQUIRED' }));
    expect(f.ops.stock.item(ids.foam).onHand).toBe(0);
    expect(f.run('purchasing.receive', { ...part1, remainder: 'backorder' })).toMatchObject({ status: 'partly_received' });
    expect(f.ops.stock.item(ids.foam).onHand).toBe(30);
    expect(f.ops.purchasing.get(orderId).lines.map((l) => [l.sku, l.quantity, l.receivedQuantity, l.outstanding])).toEqual([['FOAM-10', 50, 30, 20], ['AG-10', 10, 0, 10]]);

    // Part 2: the rest, in another lot.
    expect(() => f.run('purchasing.receive', { orderId, lines: [{ lineId: foamLine, quantity: 21, lotNumber: 'F-2', expiryDate: null }] })).toThrow(expect.objectContaining({ code: 'OVER_RECEIPT' }));
    expect(f.run('purchasing.receive', { orderId, lines: [{ lineId: foamLine, quantity: 20, lotNumber: 'F-2', expiryDate: '2026-08-01' }, { lineId: silverLine, quantity: 10, lotNumber: 'S-9', expiryDate: '2026-02-01' }] })).toMatchObject({ status: 'received' });
    expect(f.ops.stock.lots(ids.foam).map((l) => [l.lotNumber, l.onHand])).toEqual([['F-1', 30], ['F-2', 20]]);
    expect(f.ops.stock.item(ids.silver).onHand).toBe(10);
    const receipts = f.record.db.select().from(tables.stockMovements).all().filter((m) => m.purchaseOrderId === orderId);
    expect(receipts.map((m) => m.delta).sort((a, b) => a - b)).toEqual([10, 20, 30]);
    expect(() => f.run('purchasing.receive', { orderId, lines: [{ lineId: foamLine, quantity: 1, lotNumber: 'X', expiryDate: null }] })).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('cancels what did not come when told to, and cancels drafts (kept, with the reason)', () => {
    f = createOpsFixture();
    const ids = seedOperations(f);
    const orderId = newId();
    const line = newId();
    f.run('purchasing.createDraft', { orderId, supplier: 'Medisupply', lines: [{ lineId: line, itemId: ids.foam, quantity: 40 }] });
    f.run('purchasing.send', { orderId });
    expect(f.run('purchasing.receive', { orderId, lines: [{ lineId: line, quantity: 25, lotNumber: 'F-1', expiryDate: null }], remainder: 'cancel' })).toMatchObject({ status: 'received' });
    expect(f.ops.purchasing.get(orderId).lines[0]).toMatchObject({ receivedQuantity: 25, cancelledQuantity: 15, outstanding: 0 });
    const other = newId();
    f.run('purchasing.createDraft', { orderId: other, supplier: 'Acme', lines: [{ lineId: newId(), itemId: ids.silver, quantity: 5 }] });
    f.run('purchasing.cancel', { orderId: other, reason: 'Ordered by phone instead' });
    expect(f.ops.purchasing.get(other)).toMatchObject({ status: 'cancelled', cancelReason: 'Ordered by phone instead' });
    expect(() => f.run('purchasing.send', { orderId: other })).toThrow(expect.objectContaining({ code: 'ORDER_LOCKED' }));
  });

  it('turns the reorder suggestions into a draft order with the suggested quantities', () => {
    f = createOpsFixture();
    const ids = seedOperations(f);
    f.run('stock.receive', { itemId: ids.foam, lotNumber: 'F1', expiryDate: null, quantity: 3 });
    const suggestions = f.ops.stock.belowReorder();
    expect(suggestions.map((s) => [s.sku, s.suggestedQuantity])).toEqual([['FOAM-10', 60], ['AG-10', 15]]);
    const orderId = newId();
    f.run('purchasing.createDraft', { orderId, supplier: 'Medisupply', lines: suggestions.map((s) => ({ lineId: newId(), itemId: s.itemId, quantity: s.suggestedQuantity })) });
    expect(f.ops.purchasing.get(orderId).lines.map((l) => [l.sku, l.quantity, l.unitPriceCents])).toEqual([['FOAM-10', 60, 150], ['AG-10', 15, 600]]);
  });
});
