import { useState } from 'react';
import { Alert, Badge, Button, Card, ColorInput, Group, NumberInput, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { addDays, localDate, localToEpochString } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatMoney, newId, parseMoney, useCommand, useOpsSettings } from '../operations/lib';
import { hoursSummary, WorkingHoursEditor } from './WorkingHours';

/** What the calendar and billing need first: rooms, appointment types, service codes, home-care staff, currency and time zone. */
export function SetupScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useOpsSettings();
  const setup = useQuery(trpc.bookings.setup.queryOptions());
  const codes = useQuery(trpc.billing.serviceCodes.queryOptions());
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.bookings.pathFilter());
    void queryClient.invalidateQueries(trpc.billing.pathFilter());
    void queryClient.invalidateQueries(trpc.operations.pathFilter());
  };
  const [room, setRoom] = useState('');
  const [type, setType] = useState({ name: '', minutes: 30 as number | string, colour: '#1c7ed6', kind: 'clinic' as 'clinic' | 'home_visit', serviceCodeId: null as string | null });
  const [code, setCode] = useState({ code: '', description: '', price: '', tax: 0 as number | string });
  const [currency, setCurrency] = useState(settings.currency);
  const [timeZone, setTimeZone] = useState(settings.timeZone);
  const defineRoom = useCommand(trpc.bookings.defineRoom.mutationOptions({ onSuccess: () => { refresh(); setRoom(''); } }));
  const defineType = useCommand(trpc.bookings.defineType.mutationOptions({ onSuccess: () => { refresh(); setType({ ...type, name: '' }); } }));
  const defineCode = useCommand(trpc.billing.defineServiceCode.mutationOptions({ onSuccess: () => { refresh(); setCode({ code: '', description: '', price: '', tax: 0 }); } }));
  const profile = useCommand(trpc.bookings.setClinicianProfile.mutationOptions({ onSuccess: refresh }));
  const [editingHours, setEditingHours] = useState<string | null>(null);
  const editing = setup.data?.clinicians.find((c) => c.id === editingHours) ?? null;
  const saveSettings = useCommand(trpc.operations.updateSettings.mutationOptions({ onSuccess: refresh }));
  const [leave, setLeave] = useState({ staffId: null as string | null, from: '', to: '', reason: '' });
  const addLeave = useCommand(trpc.bookings.addLeave.mutationOptions({ onSuccess: () => { refresh(); setLeave({ staffId: leave.staffId, from: '', to: '', reason: '' }); } }));
  const cancelLeave = useCommand(trpc.bookings.cancelLeave.mutationOptions({ onSuccess: refresh }));
  const leaveValid = !!leave.staffId && /^\d{4}-\d{2}-\d{2}$/.test(leave.from) && /^\d{4}-\d{2}-\d{2}$/.test(leave.to) && leave.to >= leave.from && !!leave.reason.trim();
  const price = parseMoney(code.price, settings.currency);
  return (
    <Stack>
      <Title order={2}>Operations setup</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="xs">Clinic</Title>
          <form noValidate onSubmit={(e) => { e.preventDefault(); saveSettings.run({ currency: currency.toUpperCase(), timeZone }); }}>
            <Group align="flex-end" grow>
              <TextInput label="Currency (ISO 4217)" value={currency} onChange={(e) => setCurrency(e.currentTarget.value)} maxLength={3} />
              <TextInput label="Time zone" value={timeZone} onChange={(e) => setTimeZone(e.currentTarget.value)} placeholder="Europe/Berlin" />
              <Button type="submit" loading={saveSettings.isPending}>Save</Button>
            </Group>
            {saveSettings.error ? <Alert mt="xs" color="red">{messageOf(saveSettings.error)}</Alert> : null}
          </form>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">Rooms</Title>
          <Group gap="xs" mb="xs">{setup.data?.rooms.map((r) => <Badge key={r.id} variant="light">{r.name}</Badge>)}</Group>
          <form noValidate onSubmit={(e) => { e.preventDefault(); if (room.trim()) defineRoom.run({ roomId: newId(), name: room.trim(), active: true }); }}>
            <Group align="flex-end"><TextInput label="New room" value={room} onChange={(e) => setRoom(e.currentTarget.value)} /><Button type="submit" loading={defineRoom.isPending} disabled={!room.trim()}>Add room</Button></Group>
          </form>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">Service codes</Title>
          <Table mb="xs"><Table.Tbody>{codes.data?.map((c) => <Table.Tr key={c.id}><Table.Td>{c.code}</Table.Td><Table.Td>{c.description}</Table.Td><Table.Td>{formatMoney(c.priceCents, settings.currency)}</Table.Td><Table.Td>{c.taxRateBp / 100} %</Table.Td></Table.Tr>)}</Table.Tbody></Table>
          <form noValidate onSubmit={(e) => { e.preventDefault(); if (price !== null) defineCode.run({ serviceCodeId: newId(), code: code.code, description: code.description, priceCents: price, taxRateBp: Math.round(Number(code.tax) * 100), active: true }); }}>
            <Group align="flex-end" grow>
              <TextInput label="Code" value={code.code} onChange={(e) => setCode({ ...code, code: e.currentTarget.value })} />
              <TextInput label="Description" value={code.description} onChange={(e) => setCode({ ...code, description: e.currentTarget.value })} />
              <TextInput label={`Price (${settings.currency})`} value={code.price} onChange={(e) => setCode({ ...code, price: e.currentTarget.value })} error={code.price && price === null ? 'Enter an amount' : undefined} />
              <NumberInput label="Tax %" value={code.tax} onChange={(t) => setCode({ ...code, tax: t })} min={0} max={100} />
              <Button type="submit" loading={defineCode.isPending} disabled={!code.code || !code.description || price === null}>Add code</Button>
            </Group>
            {defineCode.error ? <Alert mt="xs" color="red">{messageOf(defineCode.error)}</Alert> : null}
          </form>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">Appointment types</Title>
          <Group gap="xs" mb="xs">{setup.data?.types.map((t) => <Badge key={t.id} color={t.colour} autoContrast>{t.name} · {t.defaultMinutes} min{t.kind === 'home_visit' ? ' · home' : ''}</Badge>)}</Group>
          <form noValidate onSubmit={(e) => { e.preventDefault(); if (type.name.trim()) defineType.run({ typeId: newId(), name: type.name.trim(), defaultMinutes: Number(type.minutes), colour: type.colour, kind: type.kind, serviceCodeId: type.serviceCodeId, active: true }); }}>
            <Group align="flex-end" grow>
              <TextInput label="Name" value={type.name} onChange={(e) => setType({ ...type, name: e.currentTarget.value })} />
              <NumberInput label="Minutes" value={type.minutes} onChange={(m) => setType({ ...type, minutes: m })} min={5} max={720} />
              <ColorInput label="Colour" value={type.colour} onChange={(c) => setType({ ...type, colour: c })} format="hex" />
            </Group>
            <Group align="flex-end" grow mt="xs">
              <Select label="Where" data={[{ value: 'clinic', label: 'At the clinic' }, { value: 'home_visit', label: 'Home visit' }]} value={type.kind} onChange={(k) => setType({ ...type, kind: (k as 'clinic') ?? 'clinic' })} allowDeselect={false} />
              <Select label="Service code billed" data={(codes.data ?? []).map((c) => ({ value: c.id, label: `${c.code} ${c.description}` }))} value={type.serviceCodeId} onChange={(v) => setType({ ...type, serviceCodeId: v })} clearable />
              <Button type="submit" loading={defineType.isPending} disabled={!type.name.trim()}>Add type</Button>
            </Group>
            {defineType.error ? <Alert mt="xs" color="red">{messageOf(defineType.error)}</Alert> : null}
          </form>
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">Clinicians</Title>
          {setup.data?.clinicians.length === 0 && <Text c="dimmed">Add nurses and doctors in Staff (IT administrator).</Text>}
          {setup.data?.clinicians.map((c) => (
            <Group key={c.id} justify="space-between" wrap="nowrap" data-testid="clinician-row">
              <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
                <Text>{c.name} <Text span c="dimmed" size="xs">{c.roles.join(', ')}</Text></Text>
                <Text size="xs" c="dimmed" data-testid="hours-summary">{hoursSummary(c.hours)}</Text>
              </Stack>
              <Group gap="xs" wrap="nowrap" style={{ flexShrink: 0 }}>
                <Button size="compact-sm" variant="light" onClick={() => { profile.reset(); setEditingHours(c.id); }} aria-label={`Working hours of ${c.name}`}>Working hours</Button>
                <Switch label="Does home care" checked={c.homeCare} onChange={(e) => profile.run({ staffId: c.id, homeCare: e.currentTarget.checked, hours: c.hours })} />
              </Group>
            </Group>
          ))}
          {editing && (
            <WorkingHoursEditor
              key={editing.id}
              name={editing.name}
              hours={editing.hours}
              saving={profile.isPending}
              error={profile.error ? messageOf(profile.error) : null}
              onSave={(hours) => profile.run({ staffId: editing.id, homeCare: editing.homeCare, hours }, { onSuccess: () => setEditingHours(null) })}
              onClose={() => setEditingHours(null)}
            />
          )}
        </Card>
        <Card withBorder>
          <Title order={4} mb="xs">Leave and other absences</Title>
          {setup.data?.leave.map((l) => (
            <Group key={l.id} justify="space-between">
              <Text size="sm">{setup.data.clinicians.find((c) => c.id === l.staffId)?.name ?? '—'}: {localDate(l.startsAt, settings.timeZone)} – {localDate(l.endsAt - 1, settings.timeZone)} · {l.reason}</Text>
              <Button size="compact-xs" variant="subtle" color="red" onClick={() => cancelLeave.run({ leaveId: l.id })}>Cancel leave</Button>
            </Group>
          ))}
          <form noValidate onSubmit={(e) => { e.preventDefault(); if (leaveValid) addLeave.run({ leaveId: newId(), staffId: leave.staffId!, startsAt: localToEpochString(leave.from, settings.timeZone), endsAt: localToEpochString(addDays(leave.to, 1), settings.timeZone), reason: leave.reason.trim() }); }}>
            <Group align="flex-end" grow mt="xs">
              <Select label="Clinician" data={(setup.data?.clinicians ?? []).map((c) => ({ value: c.id, label: c.name }))} value={leave.staffId} onChange={(v) => setLeave({ ...leave, staffId: v })} />
              <TextInput label="From" type="date" value={leave.from} onChange={(e) => setLeave({ ...leave, from: e.currentTarget.value })} />
              <TextInput label="To (inclusive)" type="date" value={leave.to} onChange={(e) => setLeave({ ...leave, to: e.currentTarget.value })} error={leave.from && leave.to && leave.to < leave.from ? 'Ends before it starts' : undefined} />
            </Group>
            <Group align="flex-end" grow mt="xs">
              <TextInput label="Reason" value={leave.reason} onChange={(e) => setLeave({ ...leave, reason: e.currentTarget.value })} />
              <Button type="submit" loading={addLeave.isPending} disabled={!leaveValid}>Add leave</Button>
            </Group>
            {(addLeave.error ?? cancelLeave.error) ? <Alert mt="xs" color="red">{messageOf(addLeave.error ?? cancelLeave.error)}</Alert> : null}
          </form>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
