import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, NumberInput, Select, Stack, Table, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { defineItemArgs, type ItemView } from '../../../common/stock';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatDateTime, formatMoney, newId, parseMoney, useCommand, useOpsSettings } from '../operations/lib';

export type StockTab = 'items' | 'reorder' | 'expiring';

/** Items with on hand (Σ movements) and available (not expired), lots, receipts, write-offs; reorder and expiry lists; stock value. */
export function StockScreen({ permissions, tab: initialTab = 'items', onDraftOrder }: { permissions: Permission[]; tab?: StockTab; onDraftOrder?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { currency, timeZone, expiringSoonDays } = useOpsSettings();
  const [tab, setTab] = useState<StockTab>(initialTab);
  const items = useQuery(trpc.stock.items.queryOptions({ includeInactive: false }));
  const value = useQuery(trpc.stock.value.queryOptions());
  const reorder = useQuery(trpc.stock.belowReorder.queryOptions());
  const expiring = useQuery(trpc.stock.expiring.queryOptions({ days: expiringSoonDays }));
  const [openItem, setOpenItem] = useState<ItemView | null>(null);
  const [adding, setAdding] = useState(false);
  const canWrite = permissions.includes('stock.write');
  const refresh = () => void queryClient.invalidateQueries(trpc.stock.pathFilter());
  const draft = useCommand(trpc.purchasing.createDraft.mutationOptions({ onSuccess: () => { void queryClient.invalidateQueries(trpc.purchasing.pathFilter()); onDraftOrder?.(); } }));
  const suppliers = [...new Set((reorder.data ?? []).map((r) => r.supplier ?? 'No supplier'))];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Stock</Title>
        <Group>
          {value.data && <Text data-testid="stock-value">Stock value: <b>{formatMoney(value.data.valueCents, currency)}</b></Text>}
          {canWrite && <Button onClick={() => setAdding(true)}>New item</Button>}
        </Group>
      </Group>
      <Tabs value={tab} onChange={(v) => setTab((v as StockTab) ?? 'items')}>
        <Tabs.List>
          <Tabs.Tab value="items">Items</Tabs.Tab>
          <Tabs.Tab value="reorder">Below reorder level {reorder.data ? <Badge size="xs" ml={4}>{reorder.data.length}</Badge> : null}</Tabs.Tab>
          <Tabs.Tab value="expiring">Expiring within {expiringSoonDays} days {expiring.data ? <Badge size="xs" ml={4}>{expiring.data.length}</Badge> : null}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="items" pt="sm">
          {items.isPending ? <Loader /> : items.isError ? <Alert color="red">{messageOf(items.error)}</Alert> : (
            <Table highlightOnHover data-testid="stock-items">
              <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Item</Table.Th><Table.Th>On hand</Table.Th><Table.Th>Reserved</Table.Th><Table.Th>Available</Table.Th><Table.Th>Reorder at</Table.Th><Table.Th>Price</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {items.data.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>{i.sku}</Table.Td>
                    <Table.Td>{i.name} {i.prescriptionOnly && <Badge size="xs" color="grape">Rx</Badge>}</Table.Td>
                    <Table.Td data-testid={`onhand-${i.sku}`}>{i.onHand}</Table.Td>
                    <Table.Td data-testid={`reserved-${i.sku}`}>{i.reserved}</Table.Td>
                    <Table.Td data-testid={`available-${i.sku}`}>{i.available}{i.available < i.reorderLevel && <Badge size="xs" color="orange" ml={4}>low</Badge>}</Table.Td>
                    <Table.Td>{i.reorderLevel}</Table.Td>
                    <Table.Td>{formatMoney(i.priceCents, currency)}</Table.Td>
                    <Table.Td><Button size="xs" variant="light" onClick={() => setOpenItem(i)} aria-label={`Open ${i.sku}`}>Lots</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="reorder" pt="sm">
          {reorder.data?.length === 0 ? <Text c="dimmed">Nothing is below its reorder level.</Text> : (
            <Stack>
              <Table data-testid="reorder-list">
                <Table.Thead><Table.Tr><Table.Th>SKU</Table.Th><Table.Th>Item</Table.Th><Table.Th>Supplier</Table.Th><Table.Th>Available</Table.Th><Table.Th>Level / target</Table.Th><Table.Th>Suggested order</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {(reorder.data ?? []).map((r) => <Table.Tr key={r.itemId}><Table.Td>{r.sku}</Table.Td><Table.Td>{r.name}</Table.Td><Table.Td>{r.supplier ?? '—'}</Table.Td><Table.Td>{r.available}</Table.Td><Table.Td>{r.reorderLevel} / {r.reorderTarget}</Table.Td><Table.Td>{r.suggestedQuantity} ({r.suggestedQuantity / r.packSize} × {r.packSize})</Table.Td></Table.Tr>)}
                </Table.Tbody>
              </Table>
              {permissions.includes('purchasing.write') && (
                <Group>
                  {suppliers.map((sup) => (
                    <Button key={sup} variant="light" loading={draft.isPending} onClick={() => draft.run({ orderId: newId(), supplier: sup, lines: (reorder.data ?? []).filter((r) => (r.supplier ?? 'No supplier') === sup).map((r) => ({ lineId: newId(), itemId: r.itemId, quantity: r.suggestedQuantity, unitPriceCents: null })) })}>
                      Draft order for {sup}
                    </Button>
                  ))}
                </Group>
              )}
              {draft.error ? <Alert color="red">{messageOf(draft.error)}</Alert> : null}
            </Stack>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="expiring" pt="sm">
          {expiring.data?.length === 0 ? <Text c="dimmed">No lot expires within {expiringSoonDays} days.</Text> : (
            <Table data-testid="expiring-list">
              <Table.Thead><Table.Tr><Table.Th>Item</Table.Th><Table.Th>Lot</Table.Th><Table.Th>Expires</Table.Th><Table.Th>On hand</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {(expiring.data ?? []).map((l) => <Table.Tr key={l.id}><Table.Td>{l.sku} {l.name}</Table.Td><Table.Td>{l.lotNumber}</Table.Td><Table.Td>{l.expiryDate} {l.expired ? <Badge color="red" size="xs">expired</Badge> : `(${l.daysLeft} days)`}</Table.Td><Table.Td>{l.onHand}</Table.Td></Table.Tr>)}
              </Table.Tbody>
            </Table>
          )}
        </Tabs.Panel>
      </Tabs>
      {openItem && <ItemModal item={openItem} onClose={() => setOpenItem(null)} canWrite={canWrite} timeZone={timeZone} onChanged={refresh} />}
      {adding && <NewItemModal onClose={() => setAdding(false)} onSaved={refresh} currency={currency} />}
    </Stack>
  );
}

function ItemModal({ item, onClose, canWrite, timeZone, onChanged }: { item: ItemView; onClose(): void; canWrite: boolean; timeZone: string; onChanged(): void }) {
  const trpc = useTRPC();
  const lots = useQuery(trpc.stock.lots.queryOptions({ itemId: item.id }));
  const moves = useQuery(trpc.stock.movements.queryOptions({ itemId: item.id, limit: 50 }));
  const [lotNumber, setLotNumber] = useState('');
  const [expiry, setExpiry] = useState('');
  const [qty, setQty] = useState<number | string>(10);
  const [lotId, setLotId] = useState<string | null>(null);
  const [writeOffQty, setWriteOffQty] = useState<number | string>(1);
  const [cause, setCause] = useState<'expired' | 'damaged'>('expired');
  const receive = useCommand(trpc.stock.receive.mutationOptions({ onSuccess: () => { onChanged(); setLotNumber(''); setExpiry(''); } }));
  const writeOff = useCommand(trpc.stock.writeOff.mutationOptions({ onSuccess: onChanged }));
  const [delta, setDelta] = useState<number | string>(-1);
  const [why, setWhy] = useState('');
  const adjust = useCommand(trpc.stock.adjust.mutationOptions({ onSuccess: () => { onChanged(); setWhy(''); } }));
  return (
    <Modal opened onClose={onClose} title={`${item.sku} · ${item.name}`} size="lg">
      <Stack>
        <Table data-testid="lots">
          <Table.Thead><Table.Tr><Table.Th>Lot</Table.Th><Table.Th>Expires</Table.Th><Table.Th>On hand</Table.Th><Table.Th>Reserved for patient orders</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>{(lots.data ?? []).map((l) => <Table.Tr key={l.id}><Table.Td>{l.lotNumber}</Table.Td><Table.Td>{l.expiryDate ?? 'does not expire'} {l.expired && <Badge color="red" size="xs">expired</Badge>}</Table.Td><Table.Td>{l.onHand}</Table.Td><Table.Td>{l.reserved}</Table.Td></Table.Tr>)}</Table.Tbody>
        </Table>
        {canWrite && (
          <>
            <form noValidate onSubmit={(e) => { e.preventDefault(); receive.run({ itemId: item.id, lotNumber, expiryDate: expiry || null, quantity: Number(qty), note: null }); }}>
              <Group align="flex-end" grow>
                <TextInput label="Lot number" value={lotNumber} onChange={(e) => setLotNumber(e.currentTarget.value)} error={receive.isError ? messageOf(receive.error) : undefined} />
                <TextInput label="Expiry" type="date" value={expiry} onChange={(e) => setExpiry(e.currentTarget.value)} />
                <NumberInput label="Quantity" value={qty} onChange={setQty} min={1} />
                <Button type="submit" loading={receive.isPending} disabled={!lotNumber.trim()}>Receive</Button>
              </Group>
            </form>
            <form noValidate onSubmit={(e) => { e.preventDefault(); if (lotId) writeOff.run({ lotId, quantity: Number(writeOffQty), cause, note: null }); }}>
              <Group align="flex-end" grow>
                <Select label="Lot" data={(lots.data ?? []).filter((l) => l.onHand > 0).map((l) => ({ value: l.id, label: `${l.lotNumber} (${l.onHand})` }))} value={lotId} onChange={setLotId} />
                <Select label="Because" data={[{ value: 'expired', label: 'Expired' }, { value: 'damaged', label: 'Damaged' }]} value={cause} onChange={(v) => setCause((v as 'expired') ?? 'expired')} allowDeselect={false} />
                <NumberInput label="Quantity" value={writeOffQty} onChange={setWriteOffQty} min={1} />
                <Button type="submit" color="red" variant="light" loading={writeOff.isPending} disabled={!lotId}>Write off</Button>
              </Group>
            </form>
            <form noValidate onSubmit={(e) => { e.preventDefault(); if (lotId && why.trim() && Number(delta) !== 0) adjust.run({ lotId, delta: Number(delta), reason: why.trim() }); }}>
              <Group align="flex-end" grow>
                <NumberInput label="Adjust the chosen lot by (±)" value={delta} onChange={setDelta} />
                <TextInput label="Reason (e.g. counted on the shelf)" value={why} onChange={(e) => setWhy(e.currentTarget.value)} />
                <Button type="submit" variant="light" loading={adjust.isPending} disabled={!lotId || !why.trim() || Number(delta) === 0}>Adjust</Button>
              </Group>
            </form>
            {(writeOff.error ?? adjust.error) ? <Alert color="red">{messageOf(writeOff.error ?? adjust.error)}</Alert> : null}
          </>
        )}
        <Text fw={600} size="sm">Movements (Σ = on hand)</Text>
        <Table>
          <Table.Tbody>{(moves.data ?? []).map((m) => <Table.Tr key={m.id}><Table.Td>{formatDateTime(m.at, timeZone)}</Table.Td><Table.Td>{m.reason.replace('_', ' ')}</Table.Td><Table.Td>{m.lotNumber}</Table.Td><Table.Td>{m.delta > 0 ? `+${m.delta}` : m.delta}</Table.Td><Table.Td>{m.note}</Table.Td></Table.Tr>)}</Table.Tbody>
        </Table>
      </Stack>
    </Modal>
  );
}

function NewItemModal({ onClose, onSaved, currency }: { onClose(): void; onSaved(): void; currency: string }) {
  const trpc = useTRPC();
  const form = useZodForm(defineItemArgs, { itemId: newId(), sku: '', name: '', unit: 'piece', packSize: 1, supplier: null, unitCostCents: 0, priceCents: 0, taxRateBp: 0, prescriptionOnly: false, reorderLevel: 0, reorderTarget: 0 });
  const [cost, setCost] = useState('');
  const [price, setPrice] = useState('');
  const save = useCommand(trpc.stock.defineItem.mutationOptions({ onSuccess: () => { onSaved(); onClose(); }, onError: (e) => form.showServerError(e) }));
  const v = form.values;
  return (
    <Modal opened onClose={onClose} title="New stock item" size="lg">
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        const c = parseMoney(cost, currency);
        const p = parseMoney(price, currency);
        form.set('unitCostCents', c ?? -1);
        form.set('priceCents', p ?? -1);
        const input = defineItemArgs.safeParse({ ...v, unitCostCents: c ?? -1, priceCents: p ?? -1 });
        if (!input.success) { form.validate(); return; }
        save.run(input.data);
      }}>
        <Stack gap="xs">
          <Group grow>
            <TextInput label="SKU" value={v.sku} onChange={(e) => form.set('sku', e.currentTarget.value)} error={form.errors['sku']} data-autofocus />
            <TextInput label="Name" value={v.name} onChange={(e) => form.set('name', e.currentTarget.value)} error={form.errors['name']} />
          </Group>
          <Group grow>
            <TextInput label="Unit" value={v.unit} onChange={(e) => form.set('unit', e.currentTarget.value)} error={form.errors['unit']} />
            <NumberInput label="Pack size" value={v.packSize} onChange={(n) => form.set('packSize', Number(n))} min={1} error={form.errors['packSize']} />
            <TextInput label="Supplier" value={v.supplier ?? ''} onChange={(e) => form.set('supplier', e.currentTarget.value || null)} />
          </Group>
          <Group grow>
            <TextInput label={`Cost per unit (${currency})`} value={cost} onChange={(e) => setCost(e.currentTarget.value)} error={form.errors['unitCostCents'] ? 'Enter an amount, e.g. 1.50' : undefined} />
            <TextInput label={`Patient price per unit (${currency})`} value={price} onChange={(e) => setPrice(e.currentTarget.value)} error={form.errors['priceCents'] ? 'Enter an amount, e.g. 3.20' : undefined} />
            <NumberInput label="Tax %" value={(v.taxRateBp ?? 0) / 100} onChange={(n) => form.set('taxRateBp', Math.round(Number(n) * 100))} min={0} max={100} decimalScale={2} error={form.errors['taxRateBp']} />
          </Group>
          <Group grow>
            <NumberInput label="Reorder level" value={v.reorderLevel} onChange={(n) => form.set('reorderLevel', Number(n))} min={0} error={form.errors['reorderLevel']} />
            <NumberInput label="Reorder target" value={v.reorderTarget} onChange={(n) => form.set('reorderTarget', Number(n))} min={0} error={form.errors['reorderTarget']} />
          </Group>
          <Checkbox label="Prescription-only (issued only against a doctor's order)" checked={!!v.prescriptionOnly} onChange={(e) => form.set('prescriptionOnly', e.currentTarget.checked)} />
          <Checkbox label="May be supplied to patients (in the patient-order catalogue)" checked={v.patientSupply !== false} onChange={(e) => form.set('patientSupply', e.currentTarget.checked)} />
          {save.error && !form.errors['sku'] ? <Alert color="red">{messageOf(save.error)}</Alert> : null}
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>Cancel</Button><Button type="submit" loading={save.isPending}>Save item</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}
