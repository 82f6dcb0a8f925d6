import { useState } from 'react';
import { Alert, Button, Checkbox, Group, List, Modal, NumberInput, Select, Stack, Switch, Text, TextInput, Textarea } from '@mantine/core';
import { TimeInput } from '@mantine/dates';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BookingsSetup } from '../../../common/bookings';
import { localToEpochString } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { newId, useCommand } from '../operations/lib';

export interface BookingDefaults {
  date: string;
  time: string;
  staffId?: string | undefined;
  roomId?: string | undefined;
}

/**
 * Book one appointment or a recurring series. Conflicts (clinician, room, patient, leave, hours)
 * are checked as the form changes and shown before saving; booking over them needs the explicit
 * "Book anyway". The Book button is disabled while saving; a double-click sends one command.
 * Mounted afresh for each booking (the defaults are its initial state).
 */
export function BookingModal({ opened, onClose, defaults, setup }: { opened: boolean; onClose(): void; defaults: BookingDefaults; setup: BookingsSetup }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tz = setup.timeZone;
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 200);
  const [patientId, setPatientId] = useState<string | null>(null);
  const [typeId, setTypeId] = useState<string | null>(setup.types.find((t) => t.active)?.id ?? null);
  const [staffId, setStaffId] = useState<string | null>(defaults.staffId ?? setup.clinicians[0]?.id ?? null);
  const [roomId, setRoomId] = useState<string | null>(defaults.roomId ?? null);
  const [date, setDate] = useState(defaults.date);
  const [time, setTime] = useState(defaults.time);
  const type = setup.types.find((t) => t.id === typeId);
  const [minutes, setMinutes] = useState<number | string>(type?.defaultMinutes ?? 30);
  const [repeat, setRepeat] = useState(false);
  const [count, setCount] = useState<number | string>(6);
  const [until, setUntil] = useState('');
  const [notes, setNotes] = useState('');
  const [override, setOverride] = useState(false);


  const patients = useQuery({ ...trpc.patients.search.queryOptions({ query: debounced, limit: 10 }), enabled: debounced.length > 0, placeholderData: keepPreviousData });
  const home = type?.kind === 'home_visit';
  const validTime = /^\d{2}:\d{2}$/.test(time) && /^\d{4}-\d{2}-\d{2}$/.test(date);
  const startsAt = validTime ? localToEpochString(`${date}T${time}`, tz) : null;
  const duration = typeof minutes === 'number' ? minutes : Number(minutes);
  const recurrence = until ? { frequency: 'weekly' as const, count: null, until } : { frequency: 'weekly' as const, count: typeof count === 'number' ? count : Number(count), until: null };
  const ready = !!patientId && !!typeId && !!staffId && startsAt !== null && duration >= 5;
  const single = useQuery({
    ...trpc.bookings.conflicts.queryOptions({ patientId: patientId ?? '', staffId: staffId ?? '', roomId: home ? null : roomId, intervals: [{ startsAt: startsAt ?? 0, endsAt: (startsAt ?? 0) + duration * 60_000 }] }),
    enabled: opened && ready && !repeat,
  });
  const series = useQuery({
    ...trpc.bookings.previewSeries.queryOptions({ patientId: patientId ?? '', typeId: typeId ?? '', staffId: staffId ?? '', roomId: home ? null : roomId, firstStart: `${date}T${time}`, durationMinutes: duration, recurrence }),
    enabled: opened && ready && repeat,
  });
  const conflicts = (repeat ? series.data?.conflicts : single.data) ?? [];
  const done = () => {
    void queryClient.invalidateQueries(trpc.bookings.pathFilter());
    setPatientId(null);
    setQuery('');
    setNotes('');
    onClose();
  };
  const book = useCommand(trpc.bookings.book.mutationOptions({ onSuccess: done }));
  const bookSeries = useCommand(trpc.bookings.bookSeries.mutationOptions({ onSuccess: done }));
  const pending = book.isPending || bookSeries.isPending;
  const error = book.error ?? bookSeries.error;

  const submit = () => {
    if (!ready || startsAt === null) return;
    const where = { staffId: staffId!, roomId: home ? null : roomId };
    if (repeat) bookSeries.run({ seriesId: newId(), patientId: patientId!, typeId: typeId!, firstStart: `${date}T${time}`, durationMinutes: duration, recurrence, notes: notes || null, override, ...where });
    else book.run({ appointmentId: newId(), patientId: patientId!, typeId: typeId!, startsAt, durationMinutes: duration, notes: notes || null, override, ...where });
  };

  return (
    <Modal opened={opened} onClose={onClose} title={repeat ? 'Book a series' : 'Book an appointment'} size="lg">
      <form noValidate onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <Stack gap="sm">
          <TextInput label="Patient" placeholder="Family name, given name or MRN" value={query} onChange={(e) => { setQuery(e.currentTarget.value); setPatientId(null); }} data-autofocus error={!patientId && query && patients.data?.items.length === 0 ? 'No patient matches' : undefined} />
          {!patientId && patients.data && patients.data.items.length > 0 && (
            <Group gap="xs">
              {patients.data.items.map((p) => (
                <Button key={p.id} size="xs" variant="light" onClick={() => { setPatientId(p.id); setQuery(`${p.familyName}, ${p.givenName} (${p.mrn})`); }}>
                  {p.familyName}, {p.givenName} · {p.mrn}
                </Button>
              ))}
            </Group>
          )}
          <Group grow>
            <Select label="Type" data={setup.types.filter((t) => t.active).map((t) => ({ value: t.id, label: t.name }))} value={typeId} onChange={(v) => { setTypeId(v); const t = setup.types.find((x) => x.id === v); if (t) setMinutes(t.defaultMinutes); }} allowDeselect={false} />
            <Select label={home ? 'Caregiver' : 'Clinician'} data={setup.clinicians.filter((c) => !home || c.homeCare).map((c) => ({ value: c.id, label: c.name }))} value={staffId} onChange={setStaffId} allowDeselect={false} />
            {!home && <Select label="Room" data={setup.rooms.filter((r) => r.active).map((r) => ({ value: r.id, label: r.name }))} value={roomId} onChange={setRoomId} clearable />}
          </Group>
          <Group grow>
            <TextInput label="Date" type="date" value={date} onChange={(e) => setDate(e.currentTarget.value)} error={date && !/^\d{4}-\d{2}-\d{2}$/.test(date) ? 'Enter a date' : undefined} />
            <TimeInput label="Start" value={time} onChange={(e) => setTime(e.currentTarget.value)} />
            <NumberInput label="Minutes" value={minutes} onChange={setMinutes} min={5} max={720} step={5} error={duration < 5 ? 'At least 5 minutes' : undefined} />
          </Group>
          <Switch label="Repeats weekly" checked={repeat} onChange={(e) => setRepeat(e.currentTarget.checked)} />
          {repeat && (
            <Group grow>
              <NumberInput label="Occurrences" value={count} onChange={setCount} min={1} max={104} disabled={!!until} />
              <TextInput label="…or until (inclusive)" type="date" value={until} onChange={(e) => setUntil(e.currentTarget.value)} />
            </Group>
          )}
          <Textarea label="Notes (not sent in reminders)" value={notes} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={1} />
          {repeat && series.data && <Text size="sm" c="dimmed">{series.data.occurrences.length} occurrences</Text>}
          {conflicts.length > 0 && (
            <Alert color="orange" title={`${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`} data-testid="conflicts">
              <List size="sm">{conflicts.slice(0, 8).map((c, i) => <List.Item key={i}>{c.message}</List.Item>)}</List>
              <Checkbox mt="sm" label="Book anyway (double-book on purpose)" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
            </Alert>
          )}
          {error ? <Alert color="red">{messageOf(error)}</Alert> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={pending} disabled={!ready || (conflicts.length > 0 && !override)}>{repeat ? 'Book series' : 'Book'}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
