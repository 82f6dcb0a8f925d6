import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, NumberInput, SegmentedControl, Select, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { PAYMENT_METHODS } from '../../../common/operations';
import type { CatalogueItem, Fulfilment, OrderListInput, PatientOrderStatus, PatientOrderView } from '../../../common/orders';
import type { Permission } from '../../../common/permissions';
import { localDate } from '../../../common/time';
import { formatDate } from '../../lib/format';
import { appCodeOf, messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatDateTime, formatMoney, newId, useCommand, useOpsSettings } from '../operations/lib';

type ListName = 'to-pick' | 'awaiting-delivery' | 'open' | 'patient';
const LISTS: Array<{ value: ListName; label: string }> = [
  { value: 'to-pick', label: 'To pick today' },
  { value: 'awaiting-delivery', label: 'Awaiting delivery or collection' },
  { value: 'open', label: 'All open' },
  { value: 'patient', label: 'A patient’s history' },
];
export const ORDER_STATUS_LABELS: Record<PatientOrderStatus, string> = {
  draft: 'Draft', confirmed: 'Confirmed', picked: 'Picked', dispatched: 'Dispatched', ready: 'Ready to collect', delivered: 'Delivered', collected: 'Collected', cancelled: 'Cancelled',
};
const STATUS_COLOURS: Record<PatientOrderStatus, string> = {
  draft: 'gray', confirmed: 'blue', picked: 'indigo', dispatched: 'violet', ready: 'violet', delivered: 'green', collected: 'green', cancelled: 'red',
};
const FULFILMENT_LABELS: Record<Fulfilment, string> = { delivery: 'Delivery to the patient', caregiver: 'With a caregiver’s visit', collection: 'Collection at the clinic' };
const FULFILMENT_SHORT: Record<Fulfilment, string> = { delivery: 'Delivery', caregiver: 'Caregiver', collection: 'Collection' };
const nowrap = { whiteSpace: 'nowrap' } as const;

/** Invalidate everything an order touches: the orders, stock (reserved, on hand) and billing (invoice lines, credit notes). */
function useRefresh() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries(trpc.orders.pathFilter());
    void queryClient.invalidateQueries(trpc.stock.pathFilter());
    void queryClient.invalidateQueries(trpc.billing.pathFilter());
  };
}

/** A patient found by family name, given name or MRN (the same search as booking). */
function PatientPicker({ label, onPick, autoFocus }: { label: string; onPick(p: { id: string; label: string } | null): void; autoFocus?: boolean }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState(false);
  const [debounced] = useDebouncedValue(query.trim(), 200);
  const patients = useQuery({ ...trpc.patients.search.queryOptions({ query: debounced, limit: 10 }), enabled: debounced.length > 0 && !picked, placeholderData: keepPreviousData });
  return (
    <Stack gap={4}>
      <TextInput
        label={label} placeholder="Family name, given name or MRN" value={query} data-autofocus={autoFocus || undefined}
        onChange={(e) => { setQuery(e.currentTarget.value); setPicked(false); onPick(null); }}
        error={!picked && query && patients.data?.items.length === 0 ? 'No patient matches' : undefined}
      />
      {!picked && debounced && patients.data && patients.data.items.length > 0 && (
        <Group gap="xs">
          {patients.data.items.map((p) => {
            const text = `${p.familyName}, ${p.givenName} (${p.mrn})`;
            return <Button key={p.id} size="xs" variant="light" onClick={() => { setPicked(true); setQuery(text); onPick({ id: p.id, label: text }); }}>{p.familyName}, {p.givenName} · {p.mrn}</Button>;
          })}
        </Group>
      )}
    </Stack>
  );
}

/**
 * Patient supply orders: the lists (to pick today, awaiting delivery or collection, all open, a
 * patient's history), a new order from the catalogue, and one order's way from draft to the
 * patient (confirm, pick, dispatch or make ready, delivered or collected), cancel, return, repeat.
 */
export function PatientOrdersScreen({ permissions }: { permissions: Permission[] }) {
  const trpc = useTRPC();
  const { currency } = useOpsSettings();
  const [list, setList] = useState<ListName>(permissions.includes('orders.fulfil') ? 'to-pick' : 'open');
  const [patient, setPatient] = useState<{ id: string; label: string } | null>(null);
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  const input: OrderListInput | null = list === 'patient' ? (patient ? { list: 'patient', patientId: patient.id } : null) : { list };
  const orders = useQuery({ ...trpc.orders.list.queryOptions(input ?? { list: 'open' }), enabled: input !== null });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Patient orders</Title>
        {permissions.includes('orders.write') && <Button onClick={() => setCreating(true)}>New patient order</Button>}
      </Group>
      <SegmentedControl data={LISTS} value={list} onChange={(v) => setList(v as ListName)} aria-label="Order list" />
      {list === 'patient' && <PatientPicker label="Patient" onPick={setPatient} />}
      {input === null ? <Text c="dimmed">Find the patient whose orders to show.</Text> : orders.isPending ? <Loader /> : orders.isError ? <Alert color="red">{messageOf(orders.error)}</Alert> : orders.data.length === 0 ? (
        <Text c="dimmed" data-testid="orders-empty">No orders in this list.</Text>
      ) : (
        <Table highlightOnHover data-testid="patient-orders">
          <Table.Thead><Table.Tr><Table.Th>Order</Table.Th><Table.Th>Patient</Table.Th><Table.Th>Status</Table.Th><Table.Th>How</Table.Th><Table.Th>Due</Table.Th><Table.Th>Items</Table.Th><Table.Th>Total</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {orders.data.map((o) => (
              <Table.Tr key={o.id} data-testid={`order-row-${o.number}`}>
                <Table.Td style={nowrap}>{o.number}</Table.Td>
                <Table.Td>{o.patientName} · {o.mrn}</Table.Td>
                <Table.Td><Badge color={STATUS_COLOURS[o.status]} style={{ overflow: 'visible' }} styles={{ label: { overflow: 'visible' } }}>{ORDER_STATUS_LABELS[o.status]}</Badge></Table.Td>
                <Table.Td>{FULFILMENT_SHORT[o.fulfilment]}</Table.Td>
                <Table.Td style={nowrap}>{formatDate(o.dueDate)}</Table.Td>
                <Table.Td>{o.lines.map((l) => `${l.name} × ${l.quantity}`).join(', ')}</Table.Td>
                <Table.Td>{formatMoney(o.totalCents, o.currency || currency)}</Table.Td>
                <Table.Td><Button size="xs" variant="light" onClick={() => setOpenId(o.id)} aria-label={`Open ${o.number}`}>Open</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {creating && <NewOrderModal onClose={() => setCreating(false)} onOpen={(id) => { setCreating(false); setOpenId(id); }} />}
      {openId && <OrderModal key={openId} orderId={openId} permissions={permissions} onClose={() => setOpenId(null)} onOpen={setOpenId} />}
    </Stack>
  );
}

interface DraftLine {
  lineId: string;
  item: CatalogueItem;
  quantity: number | string;
}

/**
 * A new order: the patient, items from the catalogue (by name or SKU) and quantities, how it
 * reaches the patient, the day it is due. "Save and confirm" checks the doctor's orders and
 * reserves stock; a refusal names the item and leaves the order as a draft to confirm later.
 */
function NewOrderModal({ onClose, onOpen }: { onClose(): void; onOpen(orderId: string): void }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const { timeZone } = useOpsSettings();
  const setup = useQuery(trpc.bookings.setup.queryOptions());
  const [orderId] = useState(newId);
  const [created, setCreated] = useState<string | null>(null);
  const [patient, setPatient] = useState<{ id: string; label: string } | null>(null);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 200);
  const catalogue = useQuery({ ...trpc.orders.catalogue.queryOptions({ search: debounced, limit: 20 }), placeholderData: keepPreviousData });
  const [lines, setLines] = useState<DraftLine[]>([]);
  const [fulfilment, setFulfilment] = useState<Fulfilment>('delivery');
  const [address, setAddress] = useState('');
  const [caregiverId, setCaregiverId] = useState<string | null>(null);
  const [dueDate, setDueDate] = useState(() => localDate(Date.now(), timeZone));
  const [notes, setNotes] = useState('');
  const confirm = useCommand(trpc.orders.confirm.mutationOptions({ onSuccess: () => { refresh(); onOpen(orderId); } }));
  const create = useCommand(trpc.orders.create.mutationOptions({ onSuccess: () => { refresh(); setCreated(orderId); } }));
  const quantities = lines.map((l) => (typeof l.quantity === 'number' ? l.quantity : Number(l.quantity)));
  const badQuantity = quantities.some((q) => !Number.isInteger(q) || q < 1 || q > 100_000);
  const ready = !!patient && lines.length > 0 && !badQuantity && /^\d{4}-\d{2}-\d{2}$/.test(dueDate) && (fulfilment !== 'caregiver' || !!caregiverId);
  const pending = create.isPending || confirm.isPending;

  const save = (andConfirm: boolean) => {
    if (created) {
      if (andConfirm) confirm.run({ orderId: created });
      else onOpen(created);
      return;
    }
    if (!ready) return;
    create.run(
      {
        orderId, patientId: patient.id, fulfilment, deliveryAddress: fulfilment === 'collection' || !address.trim() ? null : address.trim(), caregiverId: fulfilment === 'caregiver' ? caregiverId : null, dueDate, notes: notes.trim() || null,
        lines: lines.map((l, i) => ({ lineId: l.lineId, itemId: l.item.id, quantity: quantities[i]!, prescriptionOrderId: null })),
      },
      { onSuccess: () => (andConfirm ? confirm.run({ orderId }) : onOpen(orderId)) },
    );
  };
  const add = (item: CatalogueItem) => setLines((ls) => (ls.some((l) => l.item.id === item.id) ? ls : [...ls, { lineId: newId(), item, quantity: item.packSize }]));

  return (
    <Modal opened onClose={onClose} title="New patient order" size="xl">
      <form noValidate onSubmit={(e) => { e.preventDefault(); save(true); }}>
        <Stack gap="sm">
          {created ? <Text size="sm">Patient: {patient?.label}</Text> : <PatientPicker label="Patient" onPick={setPatient} autoFocus />}
          <TextInput label="Find a supply" placeholder="Name or SKU" value={search} onChange={(e) => setSearch(e.currentTarget.value)} disabled={!!created} />
          {!created && catalogue.data && (
            <Table data-testid="catalogue">
              <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Item</Table.Th><Table.Th>Pack</Table.Th><Table.Th>Patient price</Table.Th><Table.Th>Available</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {catalogue.data.length === 0 ? <Table.Tr><Table.Td colSpan={6}><Text size="sm" c="dimmed">No supply matches “{debounced}”.</Text></Table.Td></Table.Tr> : catalogue.data.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>{i.sku}</Table.Td>
                    <Table.Td>{i.name} {i.prescriptionOnly && <Badge size="xs" color="grape">Rx</Badge>}</Table.Td>
                    <Table.Td>{i.packSize} {i.unit}</Table.Td>
                    <Table.Td><PriceOf cents={i.priceCents} /></Table.Td>
                    <Table.Td>{i.available}</Table.Td>
                    <Table.Td><Button size="xs" variant="light" onClick={() => add(i)} aria-label={`Add ${i.sku}`} disabled={lines.some((l) => l.item.id === i.id)}>Add</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {lines.length > 0 && (
            <Table data-testid="order-lines">
              <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th>Quantity (units)</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {lines.map((l, i) => (
                  <Table.Tr key={l.lineId}>
                    <Table.Td>{l.item.name} {l.item.prescriptionOnly && <Badge size="xs" color="grape">Rx</Badge>}</Table.Td>
                    <Table.Td>
                      <NumberInput aria-label={`Quantity of ${l.item.sku}`} value={l.quantity} min={1} max={100_000} allowDecimal={false} disabled={!!created}
                        onChange={(v) => setLines((ls) => ls.map((x) => (x.lineId === l.lineId ? { ...x, quantity: v } : x)))}
                        error={!Number.isInteger(quantities[i]) || quantities[i]! < 1 ? 'Enter a whole number of units, at least 1' : quantities[i]! > 100_000 ? 'At most 100,000' : undefined} />
                    </Table.Td>
                    <Table.Td>{!created && <Button size="xs" variant="subtle" color="red" onClick={() => setLines((ls) => ls.filter((x) => x.lineId !== l.lineId))} aria-label={`Remove ${l.item.sku}`}>Remove</Button>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <SegmentedControl disabled={!!created} value={fulfilment} onChange={(v) => setFulfilment(v as Fulfilment)} aria-label="How it reaches the patient"
            data={[{ value: 'delivery', label: 'Deliver' }, { value: 'caregiver', label: 'Caregiver’s visit' }, { value: 'collection', label: 'Collect at the clinic' }]} />
          <Group grow align="flex-start">
            {fulfilment !== 'collection' && <TextInput label="Delivery address" placeholder="The patient’s address on record" value={address} onChange={(e) => setAddress(e.currentTarget.value)} disabled={!!created} />}
            {fulfilment === 'caregiver' && (
              <Select label="Caregiver" placeholder="Who takes it" data={(setup.data?.clinicians ?? []).filter((c) => c.homeCare).map((c) => ({ value: c.id, label: c.name }))} value={caregiverId} onChange={setCaregiverId} disabled={!!created}
                error={!caregiverId ? 'Choose the caregiver' : undefined} />
            )}
            <TextInput label="Due (pick and send on)" type="date" value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} disabled={!!created} error={!/^\d{4}-\d{2}-\d{2}$/.test(dueDate) ? 'Enter a date' : undefined} />
          </Group>
          <Textarea label="Notes" value={notes} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={1} disabled={!!created} />
          {create.error ? <Alert color="red" data-testid="order-error">{messageOf(create.error)}</Alert> : null}
          {confirm.error ? (
            <Alert color="red" data-testid="order-error" title="Not confirmed">
              {messageOf(confirm.error)} The order is kept as a draft: confirm it once that is resolved.
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Close</Button>
            <Button variant="light" onClick={() => save(false)} disabled={!created && !ready} loading={create.isPending}>{created ? 'Open the draft' : 'Save as draft'}</Button>
            <Button type="submit" loading={pending} disabled={!created && !ready}>{created ? 'Try to confirm again' : 'Save and confirm'}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function PriceOf({ cents }: { cents: number }) {
  const { currency } = useOpsSettings();
  return <>{formatMoney(cents, currency)}</>;
}

/** One order, its lines (held or issued lots, returns) and what can be done next by whom. */
function OrderModal({ orderId, permissions, onClose, onOpen }: { orderId: string; permissions: Permission[]; onClose(): void; onOpen(id: string): void }) {
  const trpc = useTRPC();
  const { timeZone } = useOpsSettings();
  const order = useQuery(trpc.orders.get.queryOptions({ id: orderId }));
  const o = order.data;
  // While a cancel or return form is open, Esc leaves that form, not the order.
  const [inner, setInner] = useState(false);
  return (
    <Modal opened onClose={onClose} closeOnEscape={!inner} title={o ? `${o.number} · ${o.patientName} (${o.mrn})` : 'Patient order'} size="xl">
      {order.isPending ? <Loader /> : order.isError ? <Alert color="red">{messageOf(order.error)}</Alert> : o && (
        <Stack gap="sm" data-testid="order-detail">
          <Group>
            <Badge size="lg" color={STATUS_COLOURS[o.status]} data-testid="order-status">{ORDER_STATUS_LABELS[o.status]}</Badge>
            <Text size="sm">{FULFILMENT_LABELS[o.fulfilment]}{o.deliveryAddress ? ` · ${o.deliveryAddress}` : ''}{o.caregiverName ? ` · by ${o.caregiverName}` : ''}</Text>
            <Text size="sm">Due {formatDate(o.dueDate)}</Text>
            {o.invoiceNumber && <Text size="sm" data-testid="order-invoice">Invoice {o.invoiceNumber}</Text>}
          </Group>
          {o.cancelReason && <Alert color="gray" title="Cancelled">{o.cancelReason}</Alert>}
          <Table data-testid="order-detail-lines">
            <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Item</Table.Th><Table.Th>Quantity</Table.Th><Table.Th>Total</Table.Th><Table.Th>Stock</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {o.lines.map((l) => (
                <Table.Tr key={l.id}>
                  <Table.Td>{l.sku}</Table.Td>
                  <Table.Td>{l.name} {l.prescriptionOnly && <Badge size="xs" color="grape">Rx</Badge>}</Table.Td>
                  <Table.Td>{l.quantity}{l.returnedQuantity > 0 ? ` (${l.returnedQuantity} returned)` : ''}</Table.Td>
                  <Table.Td>{formatMoney(l.totalCents, o.currency)}</Table.Td>
                  <Table.Td>
                    {l.reservations.length > 0 && <Text size="xs">Held: {l.reservations.map((r) => (r.lotNumber ? `lot ${r.lotNumber}${r.expiryDate ? ` (exp. ${formatDate(r.expiryDate)})` : ''} × ${r.quantity}${r.expired ? ' — expired, taken from the next lot at picking' : ''}` : `× ${r.quantity} on order (manager’s override)`)).join(', ')}</Text>}
                    {l.issued.length > 0 && <Text size="xs">Issued: {l.issued.map((r) => `lot ${r.lotNumber} × ${r.quantity}`).join(', ')}</Text>}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="sm" ta="right">Total <b>{formatMoney(o.totalCents, o.currency)}</b></Text>
          {o.returns.length > 0 && (
            <Table data-testid="order-returns">
              <Table.Tbody>
                {o.returns.map((r) => {
                  const l = o.lines.find((x) => x.id === r.lineId);
                  return <Table.Tr key={r.id}><Table.Td>{formatDateTime(r.at, timeZone)}</Table.Td><Table.Td>{l?.name} × {r.quantity}</Table.Td><Table.Td>{r.restock ? 'back on the shelf' : 'discarded'}</Table.Td><Table.Td>{r.reason}</Table.Td><Table.Td>{r.creditNoteNumber ? `credit note ${r.creditNoteNumber}` : r.billing === 'draft_corrected' ? 'draft invoice corrected' : 'not billed'}</Table.Td></Table.Tr>;
                })}
              </Table.Tbody>
            </Table>
          )}
          {o.status === 'draft' && permissions.includes('orders.write') && <DraftEditor key={o.lines.map((l) => `${l.id}:${l.quantity}`).join(',') + o.dueDate} order={o} />}
          <OrderActions order={o} permissions={permissions} onOpen={onOpen} onInnerForm={setInner} />
        </Stack>
      )}
    </Modal>
  );
}

function OrderActions({ order: o, permissions, onOpen, onInnerForm }: { order: PatientOrderView; permissions: Permission[]; onOpen(id: string): void; onInnerForm(open: boolean): void }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const { timeZone } = useOpsSettings();
  const write = permissions.includes('orders.write');
  const fulfil = permissions.includes('orders.fulfil');
  const [override, setOverride] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const [returning, setReturning] = useState(false);
  const [repeatDue, setRepeatDue] = useState(() => localDate(Date.now(), timeZone));
  const confirm = useCommand(trpc.orders.confirm.mutationOptions({ onSuccess: refresh }));
  const pick = useCommand(trpc.orders.pick.mutationOptions({ onSuccess: refresh }));
  const dispatch = useCommand(trpc.orders.dispatch.mutationOptions({ onSuccess: refresh }));
  const markReady = useCommand(trpc.orders.markReady.mutationOptions({ onSuccess: refresh }));
  const delivered = useCommand(trpc.orders.markDelivered.mutationOptions({ onSuccess: refresh }));
  const collected = useCommand(trpc.orders.markCollected.mutationOptions({ onSuccess: refresh }));
  const cancel = useCommand(trpc.orders.cancel.mutationOptions({ onSuccess: () => { refresh(); setCancelling(false); } }));
  const repeatId = useState(newId)[0];
  const repeat = useCommand(trpc.orders.repeat.mutationOptions({ onSuccess: () => { refresh(); onOpen(repeatId); } }));
  const error = confirm.error ?? pick.error ?? dispatch.error ?? markReady.error ?? delivered.error ?? collected.error ?? cancel.error ?? repeat.error;
  const collection = o.fulfilment === 'collection';
  const cancellable = ['draft', 'confirmed', 'picked', 'dispatched', 'ready'].includes(o.status);
  const done = o.status === 'delivered' || o.status === 'collected';
  const args = { orderId: o.id };
  useEffect(() => onInnerForm(cancelling || returning), [cancelling, returning, onInnerForm]);

  return (
    <Stack gap="xs">
      {error ? <Alert color="red" data-testid="order-action-error">{messageOf(error)}</Alert> : null}
      {o.status === 'draft' && write && appCodeOf(confirm.error) === 'INSUFFICIENT_STOCK' && permissions.includes('orders.override') && (
        <Checkbox label="Reserve anyway: stock is on its way (available goes below zero until it arrives)" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
      )}
      <Group>
        {o.status === 'draft' && write && <Button loading={confirm.isPending} onClick={() => confirm.run(override ? { orderId: o.id, override: true } : args)}>Confirm order</Button>}
        {o.status === 'confirmed' && fulfil && <Button loading={pick.isPending} onClick={() => pick.run(args)}>Pick</Button>}
        {o.status === 'picked' && fulfil && (collection
          ? <Button loading={markReady.isPending} onClick={() => markReady.run(args)}>Ready to collect</Button>
          : <Button loading={dispatch.isPending} onClick={() => dispatch.run(args)}>Dispatch</Button>)}
        {o.status === 'dispatched' && fulfil && <Button loading={delivered.isPending} onClick={() => delivered.run(args)}>Mark delivered</Button>}
        {o.status === 'ready' && fulfil && <Button loading={collected.isPending} onClick={() => collected.run(args)}>Mark collected</Button>}
        {done && fulfil && !returning && <Button variant="light" onClick={() => setReturning(true)}>Take a return…</Button>}
        {cancellable && write && !cancelling && <Button variant="light" color="red" onClick={() => setCancelling(true)}>Cancel order…</Button>}
      </Group>
      {cancelling && (
        <form noValidate onSubmit={(e) => { e.preventDefault(); if (reason.trim()) cancel.run({ orderId: o.id, reason: reason.trim() }); }}>
          <Group align="flex-end" grow>
            <TextInput label="Why is it cancelled?" value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus onKeyDown={(e) => { if (e.key === 'Escape') setCancelling(false); }} />
            <Button type="submit" color="red" loading={cancel.isPending} disabled={!reason.trim()}>Cancel the order</Button>
            <Button variant="default" onClick={() => setCancelling(false)}>Keep it</Button>
          </Group>
        </form>
      )}
      {returning && <ReturnForm order={o} onDone={() => setReturning(false)} />}
      {write && (done || o.status === 'cancelled') && (
        <form noValidate onSubmit={(e) => { e.preventDefault(); if (/^\d{4}-\d{2}-\d{2}$/.test(repeatDue)) repeat.run({ orderId: repeatId, fromOrderId: o.id, dueDate: repeatDue }); }}>
          <Group align="flex-end">
            <TextInput label="Repeat it, due on" type="date" value={repeatDue} onChange={(e) => setRepeatDue(e.currentTarget.value)} />
            <Button type="submit" variant="light" loading={repeat.isPending}>Repeat order</Button>
            <Text size="xs" c="dimmed">Same items and delivery; the doctor’s orders are checked again.</Text>
          </Group>
        </form>
      )}
    </Stack>
  );
}

/** A draft's quantities, lines and due date (a confirmed order is changed by cancelling or repeating it). */
function DraftEditor({ order: o }: { order: PatientOrderView }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const [quantities, setQuantities] = useState<Record<string, number | string>>(() => Object.fromEntries(o.lines.map((l) => [l.id, l.quantity])));
  const [removed, setRemoved] = useState<string[]>([]);
  const [dueDate, setDueDate] = useState(o.dueDate);
  const save = useCommand(trpc.orders.updateDraft.mutationOptions({ onSuccess: refresh }));
  const kept = o.lines.filter((l) => !removed.includes(l.id));
  const qty = (id: string) => Number(quantities[id]);
  const bad = kept.some((l) => !Number.isInteger(qty(l.id)) || qty(l.id) < 1 || qty(l.id) > 100_000);
  const changed = removed.length > 0 || dueDate !== o.dueDate || kept.some((l) => qty(l.id) !== l.quantity);
  const validDate = /^\d{4}-\d{2}-\d{2}$/.test(dueDate);
  return (
    <form noValidate onSubmit={(e) => {
      e.preventDefault();
      if (bad || !changed || !validDate || kept.length === 0) return;
      save.run({ orderId: o.id, removeLineIds: removed, quantities: kept.filter((l) => qty(l.id) !== l.quantity).map((l) => ({ lineId: l.id, quantity: qty(l.id) })), ...(dueDate !== o.dueDate ? { dueDate } : {}) });
    }}>
      <Stack gap="xs" data-testid="draft-editor">
        <Title order={6}>Change the draft</Title>
        {kept.map((l) => (
          <Group key={l.id} align="flex-end">
            <NumberInput label={l.name} aria-label={`Draft quantity of ${l.sku}`} value={quantities[l.id]} min={1} max={100_000} allowDecimal={false} onChange={(v) => setQuantities((q) => ({ ...q, [l.id]: v }))}
              error={!Number.isInteger(qty(l.id)) || qty(l.id) < 1 ? 'At least 1 unit' : qty(l.id) > 100_000 ? 'At most 100,000' : undefined} />
            <Button size="xs" variant="subtle" color="red" onClick={() => setRemoved((r) => [...r, l.id])} disabled={kept.length === 1} aria-label={`Remove ${l.sku} from the draft`}>Remove</Button>
          </Group>
        ))}
        <TextInput label="Due" type="date" value={dueDate} onChange={(e) => setDueDate(e.currentTarget.value)} error={!validDate ? 'Enter a date' : undefined} w={200} />
        {save.error ? <Alert color="red">{messageOf(save.error)}</Alert> : null}
        <Group>
          <Button type="submit" variant="light" loading={save.isPending} disabled={bad || !changed || !validDate}>Save changes</Button>
          {changed && <Button variant="subtle" onClick={() => { setRemoved([]); setDueDate(o.dueDate); setQuantities(Object.fromEntries(o.lines.map((l) => [l.id, l.quantity]))); }}>Undo changes</Button>}
        </Group>
      </Stack>
    </form>
  );
}

/** Units the patient gave back: unopened ones back into their lot, the money as a credit note (or off the draft invoice). */
function ReturnForm({ order: o, onDone }: { order: PatientOrderView; onDone(): void }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const returnable = o.lines.filter((l) => l.quantity - l.returnedQuantity > 0);
  const [lineId, setLineId] = useState<string | null>(returnable[0]?.id ?? null);
  const [quantity, setQuantity] = useState<number | string>(1);
  const [restock, setRestock] = useState(true);
  const [reason, setReason] = useState('');
  const [refund, setRefund] = useState<string | null>(null);
  const give = useCommand(trpc.orders.return.mutationOptions({ onSuccess: () => { refresh(); onDone(); } }));
  const qty = typeof quantity === 'number' ? quantity : Number(quantity);
  const line = o.lines.find((l) => l.id === lineId);
  const left = line ? line.quantity - line.returnedQuantity : 0;
  const valid = !!line && Number.isInteger(qty) && qty >= 1 && qty <= left && !!reason.trim();
  return (
    <form noValidate onKeyDown={(e) => { if (e.key === 'Escape') onDone(); }} onSubmit={(e) => { e.preventDefault(); if (valid) give.run({ orderId: o.id, reason: reason.trim(), lines: [{ lineId: line.id, quantity: qty, restock }], refund: refund ? { method: refund as (typeof PAYMENT_METHODS)[number], reference: null } : null }); }}>
      <Stack gap="xs">
        <Title order={6}>Return</Title>
        <Group grow align="flex-start">
          <Select label="Item" data={returnable.map((l) => ({ value: l.id, label: `${l.name} (${l.quantity - l.returnedQuantity} supplied)` }))} value={lineId} onChange={setLineId} allowDeselect={false} />
          <NumberInput label="Quantity" value={quantity} onChange={setQuantity} min={1} max={left} allowDecimal={false} error={line && (qty < 1 || qty > left || !Number.isInteger(qty)) ? `Between 1 and ${left}` : undefined} />
          <Select label="Refund (if paid)" placeholder="No refund" data={PAYMENT_METHODS.map((m) => ({ value: m, label: m }))} value={refund} onChange={setRefund} clearable />
        </Group>
        <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <Checkbox label="Unopened: put it back on the shelf (otherwise it is discarded)" checked={restock} onChange={(e) => setRestock(e.currentTarget.checked)} />
        {give.error ? <Alert color="red">{messageOf(give.error)}</Alert> : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>Close</Button>
          <Button type="submit" loading={give.isPending} disabled={!valid}>Take the return</Button>
        </Group>
      </Stack>
    </form>
  );
}
