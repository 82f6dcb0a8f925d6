import { memo, useMemo, useState } from 'react';
import { useDebouncedValue } from '@mantine/hooks';
import { Alert, Box, Button, Group, Loader, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { DatePickerInput } from '@mantine/dates';
import { useQuery } from '@tanstack/react-query';
import type { AppointmentView, BookingsSetup } from '../../../common/bookings';
import type { Permission } from '../../../common/permissions';
import { addDays, dayClock, localDate, localDayRange, localTime, mondayOf, zonedParts } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { download } from '../operations/lib';
import { AppointmentDrawer } from './AppointmentDrawer';
import classes from './calendar.module.css';
import { BookingModal, type BookingDefaults } from './BookingModal';

const DAY_START = 7;
const DAY_END = 20;
const HOUR_PX = 56;
const WEEKDAY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface Resource {
  id: string;
  name: string;
}

/**
 * The calendar: a day or a week, by clinician or by room — a resource grid built on Mantine
 * (no commercial or AGPL scheduler). Only the visible range is fetched and drawn.
 */
export function CalendarScreen({ permissions, today }: { permissions: Permission[]; today: string }) {
  const trpc = useTRPC();
  const setup = useQuery(trpc.bookings.setup.queryOptions());
  const [date, setDate] = useState(today);
  const [view, setView] = useState<'day' | 'week'>('week');
  const [by, setBy] = useState<'clinician' | 'room'>('clinician');
  const [booking, setBooking] = useState<BookingDefaults | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const tz = setup.data?.timeZone ?? 'UTC';
  const first = view === 'week' ? mondayOf(date) : date;
  const days = useMemo(() => Array.from({ length: view === 'week' ? 7 : 1 }, (_, i) => addDays(first, i)), [first, view]);
  const range = { from: localDayRange(days[0]!, tz).from, to: localDayRange(days[days.length - 1]!, tz).to };
  const appts = useQuery({ ...trpc.bookings.calendar.queryOptions(range), enabled: !!setup.data });
  const client = useTRPCClient();
  const exportIcs = (r: Resource) => void client.bookings.weekIcs.query({ staffId: r.id, monday: mondayOf(date) }).then((text) => download(`${r.name.replace(/\W+/g, '-')}-week-${mondayOf(date)}.ics`, text, 'text/calendar'));
  const canBook = permissions.includes('bookings.write');
  const [find, setFind] = useState('');
  const [findDebounced] = useDebouncedValue(find.trim(), 250);
  const found = useQuery({ ...trpc.bookings.search.queryOptions({ query: findDebounced }), enabled: findDebounced.length > 0 });

  if (setup.isPending) return <Loader aria-label="Loading calendar" />;
  if (setup.isError) return <Alert color="red">{messageOf(setup.error)}</Alert>;
  const s = setup.data;
  const resources: Resource[] = by === 'clinician' ? s.clinicians.map((c) => ({ id: c.id, name: c.name })) : s.rooms.filter((r) => r.active).map((r) => ({ id: r.id, name: r.name }));
  const keyOf = (a: AppointmentView) => (by === 'clinician' ? a.staffId : a.roomId);
  const visible = (appts.data ?? []).filter((a) => a.status !== 'cancelled');

  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Button variant="default" size="xs" onClick={() => setDate(addDays(date, view === 'week' ? -7 : -1))} aria-label="Previous">‹</Button>
          <DatePickerInput aria-label="Go to date" value={date} onChange={(v) => v && setDate(String(v).slice(0, 10))} size="xs" w={140} valueFormat="YYYY-MM-DD" />
          <Button variant="default" size="xs" onClick={() => setDate(addDays(date, view === 'week' ? 7 : 1))} aria-label="Next">›</Button>
          <Button variant="subtle" size="xs" onClick={() => setDate(today)}>Today</Button>
        </Group>
        <Group>
          <SegmentedControl size="xs" value={view} onChange={(v) => setView(v as 'day' | 'week')} data={[{ value: 'day', label: 'Day' }, { value: 'week', label: 'Week' }]} />
          <SegmentedControl size="xs" value={by} onChange={(v) => setBy(v as 'clinician' | 'room')} data={[{ value: 'clinician', label: 'By clinician' }, { value: 'room', label: 'By room' }]} />
          {canBook && <Button size="xs" onClick={() => setBooking({ date, time: '09:00' })}>Book</Button>}
        </Group>
      </Group>
      <TextInput placeholder="Find appointments by patient name or MRN" aria-label="Find appointments" value={find} onChange={(e) => setFind(e.currentTarget.value)} size="xs" />
      {findDebounced && found.data && (
        <Stack gap={2} data-testid="appointment-search">
          {found.data.length === 0 ? <Text size="sm" c="dimmed">No appointments for “{findDebounced}”.</Text> : found.data.slice(0, 20).map((a) => (
            <Button key={a.id} size="compact-sm" variant="subtle" justify="flex-start" onClick={() => { setDate(localDate(a.startsAt, tz)); setOpenId(a.id); }}>
              {localDate(a.startsAt, tz)} {localTime(a.startsAt, tz)} · {a.patientName} · {a.typeName ?? ''} · {a.status.replace('_', ' ')}
            </Button>
          ))}
        </Stack>
      )}
      <Title order={3}>{view === 'week' ? `Week of ${days[0]} – ${days[6]}` : `${WEEKDAY[zonedParts(range.from + 12 * 3_600_000, tz).weekday - 1]} ${date}`}</Title>
      {appts.isError && <Alert color="red">{messageOf(appts.error)}</Alert>}
      {resources.length === 0 ? (
        <Text c="dimmed">{by === 'clinician' ? 'No clinicians yet: add nurses or doctors in Staff.' : 'No rooms yet: add them in Setup.'}</Text>
      ) : view === 'week' ? (
        <WeekGrid days={days} resources={resources} appts={visible} keyOf={keyOf} tz={tz} onOpen={setOpenId} onEmpty={canBook ? (d, r) => setBooking({ date: d, time: '09:00', ...(by === 'clinician' ? { staffId: r } : { roomId: r }) }) : undefined} />
      ) : (
        <DayGrid date={date} resources={resources} appts={visible} keyOf={keyOf} tz={tz} onOpen={setOpenId} onEmpty={canBook ? (t, r) => setBooking({ date, time: t, ...(by === 'clinician' ? { staffId: r } : { roomId: r }) }) : undefined} />
      )}
      {by === 'clinician' && s.clinicians.length > 0 && (
        <Group gap="xs">
          <Text size="xs" c="dimmed">Export a clinician’s week (ICS, no patient names):</Text>
          {s.clinicians.map((c) => <Button key={c.id} size="compact-xs" variant="subtle" onClick={() => exportIcs(c)}>{c.name}</Button>)}
        </Group>
      )}
      {booking && <BookingModal opened onClose={() => setBooking(null)} defaults={booking} setup={s as BookingsSetup} />}
      <AppointmentDrawer id={openId} onClose={() => setOpenId(null)} permissions={permissions} timeZone={tz} />
    </Stack>
  );
}

/** One appointment: a plain button (thousands are drawn in a week, so no component library per chip). */
const Chip = memo(function Chip({ a, time, onOpen, style }: { a: AppointmentView; time: string; onOpen(id: string): void; style?: React.CSSProperties }) {
  const label = `${time} ${a.patientName}`;
  return (
    <button
      type="button"
      data-testid="appt"
      data-status={a.status}
      aria-label={label}
      onClick={(e) => { e.stopPropagation(); onOpen(a.id); }}
      className={`${classes.chip}${a.status === 'no_show' ? ` ${classes.noShow}` : ''}${a.conflictOverride ? ` ${classes.override}` : ''}`}
      style={style ? { background: a.colour, ...style } : { background: a.colour }}
    >
      {label}{a.status === 'checked_in' ? ' ✓' : a.status === 'completed' ? ' ✔' : ''}
    </button>
  );
});

function WeekGrid({ days, resources, appts, keyOf, tz, onOpen, onEmpty }: { days: string[]; resources: Resource[]; appts: AppointmentView[]; keyOf(a: AppointmentView): string | null; tz: string; onOpen(id: string): void; onEmpty?: ((date: string, resourceId: string) => void) | undefined }) {
  const cells = useMemo(() => {
    const clock = dayClock(days, tz);
    const map = new Map<string, Array<{ a: AppointmentView; time: string }>>();
    for (const a of appts) {
      const k = `${keyOf(a)}|${clock.dateOf(a.startsAt)}`;
      const entry = { a, time: clock.timeOf(a.startsAt) };
      const list = map.get(k);
      if (list) list.push(entry);
      else map.set(k, [entry]);
    }
    return map;
  }, [appts, keyOf, tz, days]);
  return (
    <Box data-testid="week-grid" style={{ display: 'grid', gridTemplateColumns: `160px repeat(${days.length}, minmax(0, 1fr))`, border: '1px solid var(--mantine-color-default-border)', fontSize: 12 }}>
      <div />
      {days.map((d, i) => <Text key={d} size="xs" fw={600} p={4} style={{ borderLeft: '1px solid var(--mantine-color-default-border)' }}>{WEEKDAY[i]} {d.slice(5)}</Text>)}
      {resources.map((r) => (
        <WeekRow key={r.id} r={r} days={days} cells={cells} onOpen={onOpen} onEmpty={onEmpty} />
      ))}
    </Box>
  );
}

function WeekRow({ r, days, cells, onOpen, onEmpty }: { r: Resource; days: string[]; cells: Map<string, Array<{ a: AppointmentView; time: string }>>; onOpen(id: string): void; onEmpty?: ((date: string, resourceId: string) => void) | undefined }) {
  return (
    <>
      <Text size="xs" fw={500} p={4} style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>{r.name}</Text>
      {days.map((d) => (
        <div key={d} data-testid={`cell-${r.name}-${d}`} onClick={onEmpty ? () => onEmpty(d, r.id) : undefined} className={classes.cell} style={onEmpty ? { cursor: 'copy' } : undefined}>
          {(cells.get(`${r.id}|${d}`) ?? []).map(({ a, time }) => <Chip key={a.id} a={a} time={time} onOpen={onOpen} />)}
        </div>
      ))}
    </>
  );
}

function DayGrid({ date, resources, appts, keyOf, tz, onOpen, onEmpty }: { date: string; resources: Resource[]; appts: AppointmentView[]; keyOf(a: AppointmentView): string | null; tz: string; onOpen(id: string): void; onEmpty?: ((time: string, resourceId: string) => void) | undefined }) {
  const { from: start, to: end } = localDayRange(date, tz);
  const clock = useMemo(() => dayClock([date], tz), [date, tz]);
  const hours = Array.from({ length: DAY_END - DAY_START }, (_, i) => DAY_START + i);
  const minutesFromStart = (t: number) => (t < start ? 0 : t >= end ? 24 * 60 : clock.minutesOf(t)) - DAY_START * 60;
  return (
    <Box data-testid="day-grid" style={{ display: 'grid', gridTemplateColumns: `56px repeat(${resources.length}, minmax(120px, 1fr))`, border: '1px solid var(--mantine-color-default-border)', fontSize: 12 }}>
      <div />
      {resources.map((r) => <Text key={r.id} size="xs" fw={600} p={4} style={{ borderLeft: '1px solid var(--mantine-color-default-border)' }}>{r.name}</Text>)}
      <div style={{ position: 'relative', height: hours.length * HOUR_PX }}>
        {hours.map((h) => <Text key={h} size="xs" c="dimmed" style={{ position: 'absolute', top: (h - DAY_START) * HOUR_PX, right: 4 }}>{String(h).padStart(2, '0')}:00</Text>)}
      </div>
      {resources.map((r) => (
        <div
          key={r.id}
          data-testid={`column-${r.name}`}
          onClick={onEmpty ? (e) => {
            const y = e.clientY - e.currentTarget.getBoundingClientRect().top;
            const minutes = Math.max(0, Math.round(((y / HOUR_PX) * 60) / 15) * 15) + DAY_START * 60;
            onEmpty(`${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`, r.id);
          } : undefined}
          style={{ position: 'relative', height: hours.length * HOUR_PX, borderLeft: '1px solid var(--mantine-color-default-border)', backgroundImage: `repeating-linear-gradient(to bottom, var(--mantine-color-default-border) 0 1px, transparent 1px ${HOUR_PX}px)`, cursor: onEmpty ? 'copy' : 'default' }}
        >
          {appts.filter((a) => keyOf(a) === r.id).map((a) => {
            const top = (minutesFromStart(a.startsAt) / 60) * HOUR_PX;
            const height = Math.max(16, ((minutesFromStart(a.endsAt) - minutesFromStart(a.startsAt)) / 60) * HOUR_PX - 2);
            return <Chip key={a.id} a={a} time={clock.timeOf(Math.max(a.startsAt, start))} onOpen={onOpen} style={{ position: 'absolute', top, height, left: 2, right: 2, width: 'auto', whiteSpace: 'normal' }} />;
          })}
        </div>
      ))}
    </Box>
  );
}
