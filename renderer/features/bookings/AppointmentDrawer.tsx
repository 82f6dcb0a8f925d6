import { useState } from 'react';
import { Alert, Badge, Button, Drawer, Group, Radio, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { localDate, localTime, localToEpochString } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatDateTime, newId, STATUS_LABELS, useCommand } from '../operations/lib';
import { VisitSupplies } from '../stock/VisitSupplies';

/** One appointment: status changes, move (this one or this and following), cancel with a reason, reminders, supplies used. */
export function AppointmentDrawer({ id, onClose, permissions, timeZone }: { id: string | null; onClose(): void; permissions: Permission[]; timeZone: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const appt = useQuery({ ...trpc.bookings.get.queryOptions({ id: id ?? '' }), enabled: !!id });
  const reminders = useQuery({ ...trpc.bookings.reminders.queryOptions({ appointmentId: id ?? '' }), enabled: !!id });
  const [mode, setMode] = useState<'view' | 'move' | 'cancel'>('view');
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const [scope, setScope] = useState<'this' | 'following'>('this');
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.bookings.pathFilter());
    void queryClient.invalidateQueries(trpc.billing.pathFilter());
  };
  const after = { onSuccess: () => { refresh(); setMode('view'); setOverride(false); } };
  const checkIn = useCommand(trpc.bookings.checkIn.mutationOptions(after));
  const complete = useCommand(trpc.bookings.complete.mutationOptions(after));
  const noShow = useCommand(trpc.bookings.noShow.mutationOptions(after));
  const move = useCommand(trpc.bookings.move.mutationOptions(after));
  const editFollowing = useCommand(trpc.bookings.editFollowing.mutationOptions(after));
  const cancel = useCommand(trpc.bookings.cancel.mutationOptions(after));
  const canWrite = permissions.includes('bookings.write');
  const canCheckIn = permissions.includes('bookings.checkin');
  const canBill = permissions.includes('billing.write');
  const preference = useQuery({ ...trpc.bookings.reminderPreference.queryOptions({ patientId: appt.data?.patientId ?? '' }), enabled: !!appt.data && canWrite });
  const setPreference = useCommand(trpc.bookings.setReminderPreference.mutationOptions({ onSuccess: refresh }));
  const invoices = useQuery({ ...trpc.billing.forVisit.queryOptions({ appointmentId: id ?? '' }), enabled: !!id && canBill });
  const invoice = useCommand(trpc.billing.createInvoice.mutationOptions({ onSuccess: refresh }));
  const error = [checkIn, complete, noShow, move, editFollowing, cancel].find((m) => m.error)?.error;
  const close = () => {
    setMode('view');
    onClose();
  };

  const a = appt.data;
  return (
    <Drawer opened={!!id} onClose={close} position="right" title="Appointment" size="md">
      {!a ? (appt.isError ? <Alert color="red">{messageOf(appt.error)}</Alert> : <Text c="dimmed">Loading…</Text>) : (
        <Stack>
          <Text fw={600} size="lg" data-testid="appt-patient">{a.patientName} · {a.mrn}</Text>
          <Group gap="xs">
            <Badge color={a.status === 'cancelled' || a.status === 'no_show' ? 'gray' : 'teal'} data-testid="appt-status">{STATUS_LABELS[a.status]}</Badge>
            {a.seriesId && <Badge variant="light">Series</Badge>}
            {a.moved && <Badge variant="light" color="grape">Moved</Badge>}
            {a.conflictOverride && <Badge variant="light" color="orange">Double-booked</Badge>}
          </Group>
          <Text data-testid="appt-when">{formatDateTime(a.startsAt, timeZone)}–{localTime(a.endsAt, timeZone)} · {a.typeName ?? 'Appointment'}</Text>
          <Text size="sm">{a.staffName ?? '—'}{a.kind === 'home_visit' ? ` · Home visit: ${a.address ?? ''}` : a.roomName ? ` · ${a.roomName}` : ''}</Text>
          {a.cancelReason && <Text size="sm" c="dimmed">Cancelled: {a.cancelReason}</Text>}
          {a.notes && <Text size="sm">{a.notes}</Text>}
          {mode === 'view' && (
            <Group gap="xs">
              {canCheckIn && a.status === 'booked' && <Button size="xs" loading={checkIn.isPending} onClick={() => checkIn.run({ appointmentId: a.id })}>Check in</Button>}
              {canCheckIn && (a.status === 'booked' || a.status === 'checked_in') && <Button size="xs" variant="light" loading={complete.isPending} onClick={() => complete.run({ appointmentId: a.id })}>Complete</Button>}
              {canCheckIn && a.status === 'booked' && <Button size="xs" variant="default" loading={noShow.isPending} onClick={() => noShow.run({ appointmentId: a.id })}>No-show</Button>}
              {canWrite && a.status === 'booked' && <Button size="xs" variant="default" onClick={() => { setMode('move'); setDate(localDate(a.startsAt, timeZone)); setTime(localTime(a.startsAt, timeZone)); setScope('this'); }}>Move</Button>}
              {canWrite && a.status === 'booked' && <Button size="xs" variant="default" color="red" onClick={() => { setMode('cancel'); setReason(''); setScope('this'); }}>Cancel appointment</Button>}
            </Group>
          )}
          {mode === 'move' && (
            <form noValidate onSubmit={(e) => {
              e.preventDefault();
              if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return;
              const startsAt = localToEpochString(`${date}T${time}`, timeZone);
              if (scope === 'following') editFollowing.run({ appointmentId: a.id, newSeriesId: newId(), startsAt, durationMinutes: null, override });
              else move.run({ appointmentId: a.id, startsAt, durationMinutes: null, override });
            }}>
              <Stack gap="xs">
                <Group grow>
                  <TextInput label="New date" type="date" value={date} onChange={(e) => setDate(e.currentTarget.value)} />
                  <TimeInput label="New start" value={time} onChange={(e) => setTime(e.currentTarget.value)} />
                </Group>
                {a.seriesId && (
                  <Radio.Group label="Which appointments" value={scope} onChange={(v) => setScope(v as 'this' | 'following')}>
                    <Group mt={4}><Radio value="this" label="This one" /><Radio value="following" label="This and following" /></Group>
                  </Radio.Group>
                )}
                {(move.error ?? editFollowing.error) && (messageOf(move.error ?? editFollowing.error).startsWith('Not booked') ? (
                  <Alert color="orange">{messageOf(move.error ?? editFollowing.error)}<Button mt="xs" size="xs" variant="light" onClick={() => setOverride(true)} disabled={override}>{override ? 'Will book anyway' : 'Book anyway'}</Button></Alert>
                ) : null)}
                <Group justify="flex-end">
                  <Button variant="default" onClick={() => setMode('view')}>Back</Button>
                  <Button type="submit" loading={move.isPending || editFollowing.isPending}>Move</Button>
                </Group>
              </Stack>
            </form>
          )}
          {mode === 'cancel' && (
            <form noValidate onSubmit={(e) => { e.preventDefault(); if (reason.trim()) cancel.run({ appointmentId: a.id, reason: reason.trim(), scope }); }}>
              <Stack gap="xs">
                <Textarea label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={cancel.isError ? messageOf(cancel.error) : undefined} autosize minRows={1} data-autofocus />
                {a.seriesId && (
                  <Radio.Group label="Which appointments" value={scope} onChange={(v) => setScope(v as 'this' | 'following')}>
                    <Group mt={4}><Radio value="this" label="This one" /><Radio value="following" label="This and following" /></Group>
                  </Radio.Group>
                )}
                <Group justify="flex-end">
                  <Button variant="default" onClick={() => setMode('view')}>Back</Button>
                  <Button type="submit" color="red" loading={cancel.isPending} disabled={!reason.trim()}>Cancel appointment</Button>
                </Group>
              </Stack>
            </form>
          )}
          {error && mode === 'view' ? <Alert color="red">{messageOf(error)}</Alert> : null}
          {canWrite && preference.data && (
            <Switch
              size="xs"
              label="Patient opts out of reminders"
              checked={preference.data.optOut}
              onChange={(e) => setPreference.run({ patientId: a.patientId, optOut: e.currentTarget.checked, channel: preference.data.channel })}
            />
          )}
          {canBill && invoices.data && (
            <Group gap="xs">
              {invoices.data.map((v) => <Badge key={v.id} variant="outline">Invoice {v.number} · {STATUS_LABELS[v.status]}</Badge>)}
              {!invoices.data.some((v) => v.status === 'draft') && a.status !== 'cancelled' && (
                <Button size="xs" variant="light" loading={invoice.isPending} onClick={() => invoice.run({ invoiceId: newId(), patientId: a.patientId, appointmentId: a.id })}>Invoice this visit</Button>
              )}
            </Group>
          )}
          {(setPreference.error ?? invoice.error) ? <Alert color="red">{messageOf(setPreference.error ?? invoice.error)}</Alert> : null}
          {reminders.data && reminders.data.length > 0 && (
            <Stack gap={2}>
              <Text size="sm" fw={600}>Reminders</Text>
              {reminders.data.map((r) => <Text key={r.id} size="xs" c="dimmed">{r.channel.toUpperCase()} · {formatDateTime(r.sendAt, timeZone)} · {r.status}</Text>)}
            </Stack>
          )}
          {permissions.includes('stock.use') && a.status !== 'cancelled' && a.status !== 'no_show' && <VisitSupplies appointmentId={a.id} patientId={a.patientId} permissions={permissions} />}
        </Stack>
      )}
    </Drawer>
  );
}
