import { useState } from 'react';
import { ActionIcon, Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import type { WorkingHours } from '../../../common/bookings';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

type Block = { start: string; end: string };

/** The week as the editor holds it: blocks per weekday (1 = Monday … 7 = Sunday), in time order. */
export function toWeek(hours: WorkingHours): Block[][] {
  const week: Block[][] = WEEKDAYS.map(() => []);
  for (const h of hours) week[h.weekday - 1]!.push({ start: h.start, end: h.end });
  for (const day of week) day.sort((a, b) => a.start.localeCompare(b.start));
  return week;
}

/** What is wrong with one weekday's blocks, in words (null when nothing is). */
export function dayProblem(day: readonly Block[]): string | null {
  for (const b of day) {
    if (!TIME.test(b.start) || !TIME.test(b.end)) return 'Enter both times, like 08:30';
    if (b.end <= b.start) return `${b.start}–${b.end} ends before it starts`;
  }
  const sorted = [...day].sort((a, b) => a.start.localeCompare(b.start));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) return `${sorted[i - 1]!.start}–${sorted[i - 1]!.end} and ${sorted[i]!.start}–${sorted[i]!.end} overlap`;
  }
  return null;
}

export function fromWeek(week: readonly Block[][]): WorkingHours {
  return week.flatMap((day, i) => [...day].sort((a, b) => a.start.localeCompare(b.start)).map((b) => ({ weekday: i + 1, start: b.start, end: b.end })));
}

/** "Mon–Fri 08:00–12:00, 13:00–17:00 · Sat 09:00–12:00": runs of days with the same hours are named once; "Any time" when none are set. */
export function hoursSummary(hours: WorkingHours): string {
  if (hours.length === 0) return 'Any time (no working hours set)';
  const week = toWeek(hours).map((day) => day.map((b) => `${b.start}–${b.end}`).join(', '));
  const parts: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (!week[i]) continue;
    let j = i;
    while (j + 1 < 7 && week[j + 1] === week[i]) j++;
    const days = WEEKDAYS[i]!.slice(0, 3) + (j > i ? `–${WEEKDAYS[j]!.slice(0, 3)}` : '');
    parts.push(`${days} ${week[i]}`);
    i = j;
  }
  return parts.join(' · ');
}

/**
 * A clinician's weekly working hours: blocks per weekday (a split shift is two blocks). A booking
 * outside them is a conflict the calendar shows before saving. Esc or Cancel leaves without saving.
 */
export function WorkingHoursEditor(props: {
  name: string;
  hours: WorkingHours;
  saving: boolean;
  error: string | null;
  onSave: (hours: WorkingHours) => void;
  onClose: () => void;
}) {
  const [week, setWeek] = useState(() => toWeek(props.hours));
  const problems = week.map(dayProblem);
  const valid = problems.every((p) => p === null);
  const set = (day: number, index: number, patch: Partial<Block>) =>
    setWeek((w) => w.map((blocks, d) => (d === day ? blocks.map((b, i) => (i === index ? { ...b, ...patch } : b)) : blocks)));
  const add = (day: number) =>
    setWeek((w) => w.map((blocks, d) => {
      if (d !== day) return blocks;
      const last = blocks.at(-1);
      return [...blocks, last ? { start: last.end, end: last.end < '20:00' ? '20:00' : '23:59' } : { start: '08:00', end: '16:00' }];
    }));
  const remove = (day: number, index: number) => setWeek((w) => w.map((blocks, d) => (d === day ? blocks.filter((_, i) => i !== index) : blocks)));
  const copyToWeekdays = () => setWeek((w) => w.map((blocks, d) => (d >= 1 && d <= 4 ? w[0]!.map((b) => ({ ...b })) : blocks)));

  return (
    <Modal opened onClose={props.onClose} title={`Working hours: ${props.name}`} size="lg">
      <form noValidate onSubmit={(e) => { e.preventDefault(); if (valid && !props.saving) props.onSave(fromWeek(week)); }}>
        <Stack gap="xs" data-testid="working-hours">
          <Text size="sm" c="dimmed">A booking outside these hours is shown as a conflict before it is saved. A day with no hours is a day off; no hours at all means any time.</Text>
          {WEEKDAYS.map((name, d) => (
            <Group key={name} align="flex-start" wrap="nowrap" data-testid={`hours-${name}`}>
              <Text w={100} mt={6} fw={500}>{name}</Text>
              <Stack gap={4} style={{ flex: 1 }}>
                {week[d]!.length === 0 && <Text size="sm" c="dimmed" mt={6}>Day off</Text>}
                {week[d]!.map((b, i) => (
                  <Group key={i} gap="xs" wrap="nowrap">
                    <TextInput aria-label={`${name} from`} type="time" value={b.start} onChange={(e) => set(d, i, { start: e.currentTarget.value })} w={150} />
                    <Text>–</Text>
                    <TextInput aria-label={`${name} to`} type="time" value={b.end} onChange={(e) => set(d, i, { end: e.currentTarget.value })} w={150} />
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove ${name} ${b.start}–${b.end}`} onClick={() => remove(d, i)}>×</ActionIcon>
                  </Group>
                ))}
                {problems[d] && <Text size="xs" c="red" role="alert">{problems[d]}</Text>}
              </Stack>
              <Button size="compact-sm" variant="light" onClick={() => add(d)} aria-label={`Add hours on ${name}`}>Add hours</Button>
            </Group>
          ))}
          {props.error && <Alert color="red">{props.error}</Alert>}
          <Group justify="space-between" mt="sm">
            <Button variant="subtle" onClick={copyToWeekdays} disabled={week[0]!.length === 0}>Copy Monday to Tue–Fri</Button>
            <Group>
              <Button variant="default" onClick={props.onClose}>Cancel</Button>
              <Button type="submit" loading={props.saving} disabled={!valid}>Save hours</Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
