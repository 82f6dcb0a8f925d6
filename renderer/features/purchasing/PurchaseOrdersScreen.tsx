import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, Loader, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import type { PurchaseOrderView } from '../../../common/stock';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatMoney, newId, STATUS_LABELS, useCommand, useOpsSettings } from '../operations/lib';

/** Purchase orders: draft → sent (locked) → partly received → received, or cancelled. */
export function PurchaseOrdersScreen({ permissions }: { permissions: Permission[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { currency } = useOpsSettings();
  const orders = useQuery(trpc.purchasing.list.queryOptions({ status: null }));
  const [creating, setCreating] = useState(false);
  const [receiving, setReceiving] = useState<PurchaseOrderView | null>(null);
  const [editing, setEditing] = useState<PurchaseOrderView | null>(null);
  const [cancelling, setCancelling] = useState<PurchaseOrderView | null>(null);
  const [reason, setReason] = useState('');
  const canWrite = permissions.includes('purchasing.write');
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.purchasing.pathFilter());
    void queryClient.invalidateQueries(trpc.stock.pathFilter());
  };
  const send = useCommand(trpc.purchasing.send.mutationOptions({ onSuccess: refresh }));
  const cancel = useCommand(trpc.purchasing.cancel.mutationOptions({ onSuccess: () => { refresh(); setCancelling(null); setReason(''); } }));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Purchase orders</Title>
        {canWrite && <Button onClick={() => setCreating(true)}>New order</Button>}
      </Group>
      {send.error ? <Alert color="red">{messageOf(send.error)}</Alert> : null}
      {orders.isPending ? <Loader /> : orders.isError ? <Alert color="red">{messageOf(orders.error)}</Alert> : orders.data.length === 0 ? <Text c="dimmed">No purchase orders yet. Items below their reorder level can become a draft in Stock.</Text> : (
        <Stack data-testid="orders">
          {orders.data.map((o) => (
            <Card key={o.id} withBorder data-testid={`order-${o.number}`}>
              <Group justify="space-between">
                <Group><Text fw={600}>{o.number}</Text><Text>{o.supplier}</Text><Badge data-testid="order-status">{STATUS_LABELS[o.status]}</Badge></Group>
                <Group gap="xs">
                  <Text>{formatMoney(o.totalCents, currency)}</Text>
                  {canWrite && o.status === 'draft' && <Button size="xs" variant="default" onClick={() => setEditing(o)}>Edit draft</Button>}
                  {canWrite && o.status === 'draft' && <Button size="xs" loading={send.isPending} onClick={() => send.run({ orderId: o.id })}>Send</Button>}
                  {canWrite && (o.status === 'sent' || o.status === 'partly_received') && <Button size="xs" onClick={() => setReceiving(o)}>Receive</Button>}
                  {canWrite && (o.status === 'draft' || o.status === 'sent') && <Button size="xs" variant="default" color="red" onClick={() => setCancelling(o)}>Cancel order</Button>}
                </Group>
              </Group>
              <Table mt="xs">
                <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th>Ordered</Table.Th><Table.Th>Received</Table.Th><Table.Th>Cancelled</Table.Th><Table.Th>Outstanding</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>{o.lines.map((l) => <Table.Tr key={l.id}><Table.Td>{l.sku} {l.name}</Table.Td><Table.Td>{l.quantity}</Table.Td><Table.Td>{l.receivedQuantity}</Table.Td><Table.Td>{l.cancelledQuantity}</Table.Td><Table.Td>{l.outstanding}</Table.Td></Table.Tr>)}</Table.Tbody>
              </Table>
            </Card>
          ))}
        </Stack>
      )}
      <Modal opened={!!cancelling} onClose={() => setCancelling(null)} title={`Cancel ${cancelling?.number ?? ''}`}>
        <form noValidate onSubmit={(e) => { e.preventDefault(); if (cancelling && reason.trim()) cancel.run({ orderId: cancelling.id, reason: reason.trim() }); }}>
          <Stack gap="xs">
            <TextInput label="Why is the order cancelled? (it is kept)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={cancel.isError ? messageOf(cancel.error) : undefined} data-autofocus />
            <Group justify="flex-end"><Button variant="default" onClick={() => setCancelling(null)}>Back</Button><Button type="submit" color="red" loading={cancel.isPending} disabled={!reason.trim()}>Cancel order</Button></Group>
          </Stack>
        </form>
      </Modal>
      {creating && <OrderModal onClose={() => setCreating(false)} onSaved={refresh} />}
      {editing && <OrderModal order={editing} onClose={() => setEditing(null)} onSaved={refresh} />}
      {receiving && <ReceiveModal order={receiving} onClose={() => setReceiving(null)} onSaved={refresh} />}
    </Stack>
  );
}

type DraftLine = { lineId: string; itemId: string | null; quantity: number | string };

/** The change from a saved draft to what the form holds: a line whose item changed is removed and added anew. */
export function draftChanges(order: Pick<PurchaseOrderView, 'supplier' | 'lines'>, supplier: string, lines: readonly DraftLine[]) {
  const before = new Map(order.lines.map((l) => [l.id, l]));
  const kept = lines.filter((l) => l.itemId && before.get(l.lineId)?.itemId === l.itemId);
  const keptIds = new Set(kept.map((l) => l.lineId));
  return {
    ...(supplier.trim() !== order.supplier ? { supplier: supplier.trim() } : {}),
    removeLineIds: order.lines.filter((l) => !keptIds.has(l.id)).map((l) => l.id),
    addLines: lines.filter((l) => l.itemId && !keptIds.has(l.lineId)).map((l) => ({ lineId: before.has(l.lineId) ? newId() : l.lineId, itemId: l.itemId!, quantity: Number(l.quantity), unitPriceCents: null })),
    quantities: kept.filter((l) => Number(l.quantity) !== before.get(l.lineId)!.quantity).map((l) => ({ lineId: l.lineId, quantity: Number(l.quantity) })),
  };
}

/** A new draft, or (with `order`) a draft's supplier and lines changed before it is sent. */
function OrderModal({ order, onClose, onSaved }: { order?: PurchaseOrderView; onClose(): void; onSaved(): void }) {
  const trpc = useTRPC();
  const items = useQuery(trpc.stock.items.queryOptions({ includeInactive: false }));
  const [supplier, setSupplier] = useState(order?.supplier ?? '');
  const [lines, setLines] = useState<DraftLine[]>(() => order ? order.lines.map((l) => ({ lineId: l.id, itemId: l.itemId, quantity: l.quantity })) : [{ lineId: newId(), itemId: null, quantity: 10 }]);
  const done = { onSuccess: () => { onSaved(); onClose(); } };
  const create = useCommand(trpc.purchasing.createDraft.mutationOptions(done));
  const update = useCommand(trpc.purchasing.updateDraft.mutationOptions(done));
  const saving = order ? update : create;
  const quantitiesValid = lines.every((l) => !l.itemId || (Number.isInteger(Number(l.quantity)) && Number(l.quantity) >= 1));
  const submit = () => {
    if (!order) return create.run({ orderId: newId(), supplier, lines: lines.filter((l) => l.itemId).map((l) => ({ lineId: l.lineId, itemId: l.itemId!, quantity: Number(l.quantity), unitPriceCents: null })) });
    const changes = draftChanges(order, supplier, lines);
    if (!changes.supplier && !changes.addLines.length && !changes.removeLineIds.length && !changes.quantities.length) return onClose();
    update.run({ orderId: order.id, ...changes });
  };
  return (
    <Modal opened onClose={onClose} title={order ? `Edit draft ${order.number}` : 'New purchase order (draft)'} size="lg">
      <form noValidate onSubmit={(e) => { e.preventDefault(); if (!saving.isPending) submit(); }}>
        <Stack gap="xs">
          <TextInput label="Supplier" value={supplier} onChange={(e) => setSupplier(e.currentTarget.value)} data-autofocus />
          {lines.map((l, i) => (
            <Group key={l.lineId} grow wrap="nowrap" align="flex-end">
              <Select label={i === 0 ? 'Item' : undefined} aria-label={`Item ${i + 1}`} data={(items.data ?? []).map((it) => ({ value: it.id, label: `${it.sku} ${it.name}` }))} value={l.itemId} onChange={(v) => setLines(lines.map((x) => (x.lineId === l.lineId ? { ...x, itemId: v } : x)))} searchable />
              <NumberInput label={i === 0 ? 'Quantity' : undefined} aria-label={`Quantity ${i + 1}`} value={l.quantity} onChange={(q) => setLines(lines.map((x) => (x.lineId === l.lineId ? { ...x, quantity: q } : x)))} min={1} allowDecimal={false} />
              <Button variant="subtle" color="red" size="xs" style={{ flexGrow: 0 }} aria-label={`Remove line ${i + 1}`} disabled={lines.length === 1} onClick={() => setLines(lines.filter((x) => x.lineId !== l.lineId))}>Remove</Button>
            </Group>
          ))}
          <Button variant="subtle" size="xs" onClick={() => setLines([...lines, { lineId: newId(), itemId: null, quantity: 10 }])}>Add line</Button>
          {!quantitiesValid && <Text size="sm" c="red">Each quantity is a whole number of at least 1.</Text>}
          {saving.error ? <Alert color="red">{messageOf(saving.error)}</Alert> : null}
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button type="submit" loading={saving.isPending} disabled={!supplier.trim() || !lines.some((l) => l.itemId) || !quantitiesValid}>Save draft</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Receives what came: per line a quantity, lot and expiry. A short receipt asks what happens to the rest. */
function ReceiveModal({ order, onClose, onSaved }: { order: PurchaseOrderView; onClose(): void; onSaved(): void }) {
  const trpc = useTRPC();
  const open = order.lines.filter((l) => l.outstanding > 0);
  const [rows, setRows] = useState(() => open.map((l) => ({ lineId: l.id, quantity: l.outstanding as number | string, lotNumber: '', expiryDate: '' })));
  const [asking, setAsking] = useState(false);
  const receive = useCommand(trpc.purchasing.receive.mutationOptions({ onSuccess: () => { onSaved(); onClose(); } }));
  const short = rows.some((r, i) => Number(r.quantity) < open[i]!.outstanding);
  const submit = (remainder: 'backorder' | 'cancel' | null) => {
    setAsking(false);
    receive.run({ orderId: order.id, remainder, lines: rows.map((r) => ({ lineId: r.lineId, quantity: Number(r.quantity), lotNumber: r.lotNumber.trim() || 'unlabelled', expiryDate: r.expiryDate || null })) });
  };
  return (
    <Modal opened onClose={onClose} title={`Receive ${order.number}`} size="xl">
      <form noValidate onSubmit={(e) => { e.preventDefault(); if (short) setAsking(true); else submit(null); }}>
        <Stack gap="xs">
          {open.map((l, i) => (
            <Group key={l.id} grow align="flex-end" data-testid={`receive-${l.sku}`}>
              <Text size="sm">{l.sku} {l.name} (outstanding {l.outstanding})</Text>
              <NumberInput label="Received" value={rows[i]!.quantity} onChange={(q) => setRows(rows.map((r, j) => (j === i ? { ...r, quantity: q } : r)))} min={0} max={l.outstanding} />
              <TextInput label="Lot" value={rows[i]!.lotNumber} onChange={(e) => { const v = e.currentTarget.value; setRows(rows.map((r, j) => (j === i ? { ...r, lotNumber: v } : r))); }} />
              <TextInput label="Expiry" type="date" value={rows[i]!.expiryDate} onChange={(e) => { const v = e.currentTarget.value; setRows(rows.map((r, j) => (j === i ? { ...r, expiryDate: v } : r))); }} />
            </Group>
          ))}
          {asking && (
            <Alert color="orange" title="This receipt is short">
              <Text size="sm">What happens to what did not come?</Text>
              <Group mt="xs"><Button size="xs" onClick={() => submit('backorder')}>Keep it on back-order</Button><Button size="xs" color="red" variant="light" onClick={() => submit('cancel')}>Cancel the rest</Button></Group>
            </Alert>
          )}
          {receive.error ? <Alert color="red">{messageOf(receive.error)}</Alert> : null}
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Close</Button><Button type="submit" loading={receive.isPending}>Receive</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}
