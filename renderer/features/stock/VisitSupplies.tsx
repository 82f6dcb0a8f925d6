import { useState } from 'react';
import { Alert, Button, Card, Group, NumberInput, Select, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { addDays } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { newId, useCommand, useOpsSettings } from '../operations/lib';

/**
 * At a visit: the supplies used (stock drops first-expired-first-out, lines appear on the visit's
 * invoice), prescription-only items against a doctor's order, the doctor's orders themselves, and
 * the caregiver's record of what was done.
 */
export function VisitSupplies({ appointmentId, patientId, permissions }: { appointmentId: string; patientId: string; permissions: Permission[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const items = useQuery(trpc.stock.items.queryOptions({ includeInactive: false }));
  const used = useQuery(trpc.stock.usedAtVisit.queryOptions({ appointmentId }));
  const orders = useQuery({ ...trpc.stock.prescriptions.queryOptions({ patientId }), enabled: permissions.includes('prescriptions.read') });
  const [itemId, setItemId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number | string>(1);
  const [orderId, setOrderId] = useState<string | null>(null);
  const qty = typeof quantity === 'number' ? quantity : Number(quantity);
  const item = items.data?.find((i) => i.id === itemId);
  const fefo = useQuery({ ...trpc.stock.suggestLots.queryOptions({ itemId: itemId ?? '', quantity: qty >= 1 ? qty : 1 }), enabled: !!itemId && qty >= 1, retry: false });
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.stock.pathFilter());
    void queryClient.invalidateQueries(trpc.billing.pathFilter());
  };
  const record = useCommand(trpc.stock.recordUsage.mutationOptions({ onSuccess: () => { refresh(); setItemId(null); setQuantity(1); setOrderId(null); } }));
  const usable = (orders.data ?? []).filter((o) => o.itemId === itemId && o.usable);

  return (
    <Card withBorder>
      <Title order={5} mb="xs">Supplies used at this visit</Title>
      {used.data && used.data.length > 0 ? (
        <Table data-testid="supplies-used" mb="sm">
          <Table.Tbody>
            {used.data.map((u) => <Table.Tr key={u.movementId}><Table.Td>{u.name}</Table.Td><Table.Td>lot {u.lotNumber ?? '—'}</Table.Td><Table.Td>× {u.quantity}</Table.Td></Table.Tr>)}
          </Table.Tbody>
        </Table>
      ) : <Text size="sm" c="dimmed" mb="sm">None recorded yet.</Text>}
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        if (!itemId || qty < 1) return;
        record.run({ appointmentId, patientId, lines: [{ itemId, quantity: qty, lotId: null, prescriptionOrderId: orderId }] });
      }}>
        <Stack gap="xs">
          <Group grow align="flex-end">
            <Select label="Item" placeholder="Choose a supply" searchable data={(items.data ?? []).map((i) => ({ value: i.id, label: `${i.name} (${i.available} available)${i.prescriptionOnly ? ' · Rx' : ''}` }))} value={itemId} onChange={(v) => { setItemId(v); setOrderId(null); }} />
            <NumberInput label="Quantity" value={quantity} onChange={setQuantity} min={1} max={1000} />
          </Group>
          {item?.prescriptionOnly && (
            <Select label="Against the doctor's order" placeholder={usable.length ? 'Choose the order' : 'No valid order for this patient'} data={usable.map((o) => ({ value: o.id, label: `${o.itemName}: ${o.quantity - o.issuedQuantity} left, valid until ${o.validUntil} (${o.prescriberName})` }))} value={orderId} onChange={setOrderId} clearable />
          )}
          {itemId && fefo.data && <Text size="xs" c="dimmed" data-testid="fefo">First expiring first: {fefo.data.map((l) => `lot ${l.lotNumber}${l.expiryDate ? ` (exp. ${l.expiryDate})` : ''} × ${l.quantity}`).join(', ')}</Text>}
          {itemId && fefo.isError && <Text size="xs" c="red">{messageOf(fefo.error)}</Text>}
          {record.error ? <Alert color="red" data-testid="supplies-error">{messageOf(record.error)}</Alert> : null}
          <Group justify="flex-end"><Button type="submit" size="xs" loading={record.isPending} disabled={!itemId || qty < 1}>Record supplies used</Button></Group>
        </Stack>
      </form>
      {permissions.includes('prescriptions.write') && <PrescribeForm patientId={patientId} />}
      {permissions.includes('clinical.write') && <VisitRecord appointmentId={appointmentId} />}
    </Card>
  );
}

/** A doctor's order of a prescription-only item for this patient. */
function PrescribeForm({ patientId }: { patientId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { timeZone } = useOpsSettings();
  const items = useQuery(trpc.stock.items.queryOptions({ includeInactive: false }));
  const [itemId, setItemId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number | string>(5);
  const [validUntil, setValidUntil] = useState(() => addDays(new Date().toLocaleDateString('en-CA', { timeZone }), 30));
  const prescribe = useCommand(trpc.stock.prescribe.mutationOptions({ onSuccess: () => { void queryClient.invalidateQueries(trpc.stock.prescriptions.pathFilter()); setItemId(null); } }));
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); if (itemId) prescribe.run({ orderId: newId(), patientId, itemId, quantity: Number(quantity), validUntil, notes: null }); }}>
      <Stack gap="xs" mt="md">
        <Title order={6}>Order a prescription-only supply</Title>
        <Group grow align="flex-end">
          <Select label="Prescription-only item" data={(items.data ?? []).filter((i) => i.prescriptionOnly).map((i) => ({ value: i.id, label: i.name }))} value={itemId} onChange={setItemId} />
          <NumberInput label="Quantity" value={quantity} onChange={setQuantity} min={1} />
          <TextInput label="Valid until" type="date" value={validUntil} onChange={(e) => setValidUntil(e.currentTarget.value)} />
        </Group>
        {prescribe.error ? <Alert color="red">{messageOf(prescribe.error)}</Alert> : null}
        <Group justify="flex-end"><Button type="submit" size="xs" variant="light" loading={prescribe.isPending} disabled={!itemId}>Write order</Button></Group>
      </Stack>
    </form>
  );
}

/** What the caregiver did (completes the visit). */
function VisitRecord({ appointmentId }: { appointmentId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = useQuery(trpc.bookings.visitSummary.queryOptions({ appointmentId }));
  const [summary, setSummary] = useState('');
  const save = useCommand(trpc.bookings.recordVisit.mutationOptions({ onSuccess: () => { void queryClient.invalidateQueries(trpc.bookings.pathFilter()); setSummary(''); } }));
  return (
    <form noValidate onSubmit={(e) => { e.preventDefault(); if (summary.trim()) save.run({ appointmentId, summary: summary.trim() }); }}>
      <Stack gap="xs" mt="md">
        <Title order={6}>Visit record</Title>
        {current.data?.summary && <Text size="sm" data-testid="visit-summary">{current.data.summary}</Text>}
        <Textarea label="What was done" value={summary} onChange={(e) => setSummary(e.currentTarget.value)} autosize minRows={2} />
        {save.error ? <Alert color="red">{messageOf(save.error)}</Alert> : null}
        <Group justify="flex-end"><Button type="submit" size="xs" variant="light" loading={save.isPending} disabled={!summary.trim()}>Save visit record</Button></Group>
      </Stack>
    </form>
  );
}
