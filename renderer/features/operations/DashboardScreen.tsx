import { Alert, Card, Group, Loader, SimpleGrid, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { BarChart, LineChart } from '@mantine/charts';
import { useQuery } from '@tanstack/react-query';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { formatMoney } from './lib';

export type DashboardLink = { to: 'calendar' } | { to: 'stock'; tab: 'items' | 'reorder' | 'expiring' } | { to: 'billing'; aging: '0-30' | '31-60' | '61-90' | '90+' };

/** The manager's figures; each links to the list behind it. */
export function DashboardScreen({ onOpen }: { onOpen(link: DashboardLink): void }) {
  const trpc = useTRPC();
  const data = useQuery(trpc.operations.dashboard.queryOptions({ weeks: 8 }));
  if (data.isPending) return <Loader aria-label="Loading dashboard" />;
  if (data.isError) return <Alert color="red">{messageOf(data.error)}</Alert>;
  const d = data.data;
  const weeks = d.weeks.map((w) => ({ week: w.week.slice(5), Visits: w.visits, 'No-show %': w.noShowRate === null ? 0 : Math.round(w.noShowRate * 1000) / 10, Revenue: w.revenueCents / 100 }));
  const thisWeek = d.weeks[d.weeks.length - 1]!;
  const noShows = d.weeks.reduce((s, w) => s + w.noShows, 0);
  const due = d.weeks.reduce((s, w) => s + w.visits + w.noShows, 0);
  const overdue = d.aging.filter((a) => a.bucket !== '0-30');
  return (
    <Stack>
      <Title order={2}>Dashboard</Title>
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Figure label="Visits this week" value={String(thisWeek.visits)} onClick={() => onOpen({ to: 'calendar' })} testId="fig-visits" />
        <Figure label="No-show rate (8 weeks)" value={due ? `${Math.round((noShows / due) * 1000) / 10} %` : '—'} onClick={() => onOpen({ to: 'calendar' })} testId="fig-noshow" />
        <Figure label="Revenue this week" value={formatMoney(thisWeek.revenueCents, d.currency)} onClick={() => onOpen({ to: 'billing', aging: '0-30' })} testId="fig-revenue" />
        <Figure label="Stock value" value={formatMoney(d.stockValueCents, d.currency)} onClick={() => onOpen({ to: 'stock', tab: 'items' })} testId="fig-stock-value" />
        <Figure label="Items below reorder level" value={String(d.belowReorder)} onClick={() => onOpen({ to: 'stock', tab: 'reorder' })} testId="fig-below-reorder" />
        <Figure label={`Lots expiring within ${d.expiringSoonDays} days`} value={String(d.expiringSoon)} onClick={() => onOpen({ to: 'stock', tab: 'expiring' })} testId="fig-expiring" />
        {d.aging.map((a) => (
          <Figure key={a.bucket} label={`Unpaid ${a.bucket} days`} value={`${a.count} · ${formatMoney(a.balanceCents, d.currency)}`} onClick={() => onOpen({ to: 'billing', aging: a.bucket as '0-30' })} testId={`fig-aging-${a.bucket}`} />
        ))}
      </SimpleGrid>
      {overdue.some((a) => a.count > 0) && <Text size="sm" c="orange">{overdue.reduce((s, a) => s + a.count, 0)} invoices unpaid for more than 30 days.</Text>}
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <Card withBorder><Text fw={600} mb="xs">Visits per week</Text><BarChart h={180} data={weeks} dataKey="week" series={[{ name: 'Visits', color: 'teal.6' }]} /></Card>
        <Card withBorder><Text fw={600} mb="xs">No-show rate per week (%)</Text><LineChart h={180} data={weeks} dataKey="week" series={[{ name: 'No-show %', color: 'orange.6' }]} /></Card>
        <Card withBorder><Text fw={600} mb="xs">Revenue per week ({d.currency})</Text><BarChart h={180} data={weeks} dataKey="week" series={[{ name: 'Revenue', color: 'blue.6' }]} /></Card>
      </SimpleGrid>
    </Stack>
  );
}

function Figure({ label, value, onClick, testId }: { label: string; value: string; onClick(): void; testId: string }) {
  return (
    <UnstyledButton onClick={onClick} data-testid={testId} aria-label={`${label}: ${value}`}>
      <Card withBorder>
        <Text size="xs" c="dimmed">{label}</Text>
        <Group justify="space-between"><Text fw={700} size="xl" data-testid={`${testId}-value`}>{value}</Text><Text size="xs" c="teal">open ›</Text></Group>
      </Card>
    </UnstyledButton>
  );
}
