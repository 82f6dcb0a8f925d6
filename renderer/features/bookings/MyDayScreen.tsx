import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { addDays, localTime } from '../../../common/time';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { STATUS_LABELS, useOpsSettings } from '../operations/lib';
import { AppointmentDrawer } from './AppointmentDrawer';

/** A nurse's or doctor's own day: their appointments, home visits with the travel between them. */
export function MyDayScreen({ permissions, today }: { permissions: Permission[]; today: string }) {
  const trpc = useTRPC();
  const { timeZone } = useOpsSettings();
  const me = useQuery(trpc.auth.me.queryOptions());
  const [date, setDate] = useState(today);
  const day = useQuery(trpc.bookings.myDay.queryOptions({ date }));
  const staffId = me.data?.staff.id ?? '';
  const visits = useQuery({ ...trpc.bookings.caregiverDay.queryOptions({ staffId, date }), enabled: !!staffId });
  const [openId, setOpenId] = useState<string | null>(null);
  const travel = new Map((visits.data ?? []).map((v) => [v.id, v]));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>My day</Title>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => setDate(addDays(date, -1))} aria-label="Previous day">‹</Button>
          <Text fw={500}>{date}</Text>
          <Button size="xs" variant="default" onClick={() => setDate(addDays(date, 1))} aria-label="Next day">›</Button>
        </Group>
      </Group>
      {day.isPending ? <Loader /> : day.isError ? <Alert color="red">{messageOf(day.error)}</Alert> : day.data.length === 0 ? <Text c="dimmed">Nothing booked for you on {date}.</Text> : (
        <Stack gap="xs" data-testid="my-day">
          {day.data.map((a) => {
            const t = travel.get(a.id);
            return (
              <div key={a.id}>
                {t && t.travelMinutes !== null && (
                  <Text size="xs" c={t.tooTight ? 'red' : 'dimmed'} ml="md" data-testid="travel">
                    ↓ {t.travelMinutes} min travel{t.travelEstimated ? ' (estimated: no coordinates)' : ''}{t.tooTight ? ' — not enough time between visits' : ''}
                  </Text>
                )}
                <Card withBorder padding="xs" onClick={() => setOpenId(a.id)} style={{ cursor: 'pointer', borderLeft: `4px solid ${a.colour}` }}>
                  <Group justify="space-between">
                    <Text fw={500}>{localTime(a.startsAt, timeZone)}–{localTime(a.endsAt, timeZone)} · {a.patientName}</Text>
                    <Badge variant="light">{STATUS_LABELS[a.status]}</Badge>
                  </Group>
                  <Text size="sm" c="dimmed">{a.typeName}{a.kind === 'home_visit' ? ` · ${a.address ?? ''}` : a.roomName ? ` · ${a.roomName}` : ''}</Text>
                </Card>
              </div>
            );
          })}
        </Stack>
      )}
      <AppointmentDrawer id={openId} onClose={() => setOpenId(null)} permissions={permissions} timeZone={timeZone} />
    </Stack>
  );
}
