/**
 * The clinic manager's home tiles. OPEN LIST: clinic operations (bookings, stock, orders, billing:
 * the operations branch) add their tiles here — today's bookings, stock below reorder level,
 * unpaid invoices — each with the permission it needs. What exists today is shown from the record.
 */
import { type ReactNode } from 'react';
import { Anchor, Group, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { formatDate } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { todayRange, type Go } from './nav';

export interface HomeTile {
  id: string;
  title: string;
  /** Shown to whoever holds this permission. */
  needs: Permission;
  render(ctx: { go: Go }): ReactNode;
}

function PatientsOverview({ go }: { go: Go }) {
  const trpc = useTRPC();
  const o = useQuery({ ...trpc.home.managerOverview.queryOptions(todayRange()), refetchOnWindowFocus: false });
  if (o.isPending) return <Text size="sm">Loading…</Text>;
  if (o.isError) return <Text c="red" size="sm">{messageOf(o.error)}</Text>;
  const d = o.data;
  return (
    <Stack gap="xs">
      <Group gap="xl">
        <Stat label="Patients" value={d.patients} testId="home-patient-count" />
        <Stat label="New this week" value={d.newPatientsCount} />
        <Stat label="Without phone or email" value={d.withoutContactCount} />
        <Stat label="Booked today" value={d.bookingsToday} />
      </Group>
      {d.withoutContact.length > 0 && (
        <>
          <Text size="sm" fw={600}>Cannot be reached (no phone, no email): reminders and invoices need one</Text>
          <Table>
            <Table.Tbody>
              {d.withoutContact.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td><Anchor component="button" type="button" size="sm" onClick={() => go('patients', { patientId: p.id })}>{p.familyName}, {p.givenName}</Anchor></Table.Td>
                  <Table.Td><Text size="sm">MRN {p.mrn}</Text></Table.Td>
                  <Table.Td><Text size="sm">{formatDate(p.dateOfBirth)}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
      {d.newPatients.length > 0 && (
        <Text size="sm">New: {d.newPatients.map((p) => `${p.familyName}, ${p.givenName} (${formatDate(p.createdAt)})`).join(' · ')}</Text>
      )}
    </Stack>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId?: string }) {
  return (
    <div>
      <Text size="xl" fw={700} data-testid={testId}>{value.toLocaleString()}</Text>
      <Text size="xs" c="dimmed">{label}</Text>
    </div>
  );
}

export const MANAGER_TILES: HomeTile[] = [
  { id: 'patients-overview', title: 'Patients', needs: 'billing.read', render: ({ go }) => <PatientsOverview go={go} /> },
  // Clinic operations' tiles go here (bookings today, stock, orders, billing).
];
