import { type ReactNode } from 'react';
import { Alert, Anchor, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { TodayPatient, TodayReason } from '../../../common/home';
import type { Permission } from '../../../common/permissions';
import { formatBytes, formatDate, formatDateTime, formatTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { HEALTH_WORDS } from '../admin/BackupsScreen';
import { MANAGER_TILES } from './managerTiles';
import { todayRange, type Go } from './nav';



/** Home reads are audited: read when Home is opened and every few minutes, not on every window focus. */
const CALM = { refetchOnWindowFocus: false, refetchInterval: 5 * 60_000 } as const;

const REASON_WORDS: Record<TodayReason, string> = { booking: 'Booked', scan: 'Scanned', assessment: 'Assessed', opened: 'Opened' };

/**
 * What each role sees first (issue 21 point 8): a nurse today's patients and the scans waiting in
 * Incoming; a doctor the assessments awaiting sign-off; a manager the clinic's patients as they
 * stand; IT the workstation's health. Someone with several roles sees each of their sections.
 */
export function HomeScreen({ permissions, name, go }: { permissions: Permission[]; name: string; go: Go }) {
  const clinical = permissions.includes('clinical.read');
  const doctor = permissions.includes('assessments.signoff');
  const manager = permissions.includes('billing.read');
  const it = permissions.includes('settings.manage');
  return (
    <Stack>
      <Title order={2}>Good {greeting()}, {name.split(' ')[0]}</Title>
      {doctor && <AwaitingSignOffCard go={go} />}
      {clinical && (
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <TodaysPatientsCard go={go} />
          <IncomingCard go={go} />
        </SimpleGrid>
      )}
      {manager && <ManagerSection permissions={permissions} go={go} />}
      {it && <WorkstationHealthSection go={go} />}
    </Stack>
  );
}

function greeting(): string {
  const h = new Date().getHours();
  return h < 12 ? 'morning' : h < 18 ? 'afternoon' : 'evening';
}

function Tile({ title, testId, action, children }: { title: string; testId: string; action?: ReactNode; children: ReactNode }) {
  return (
    <Card withBorder data-testid={testId}>
      <Group justify="space-between" mb="sm">
        <Title order={4}>{title}</Title>
        {action}
      </Group>
      {children}
    </Card>
  );
}

function QueryState({ query, empty, children }: { query: { isPending: boolean; isError: boolean; error: unknown }; empty?: string | false; children: () => ReactNode }) {
  if (query.isPending) return <Loader size="sm" />;
  if (query.isError) return <Alert color="red">{messageOf(query.error)}</Alert>;
  if (empty) return <Text c="dimmed" size="sm">{empty}</Text>;
  return <>{children()}</>;
}

function reasonText(r: TodayPatient['reasons'][number]): string {
  return `${REASON_WORDS[r.kind]} ${formatTime(r.at)}`;
}

function TodaysPatientsCard({ go }: { go: Go }) {
  const trpc = useTRPC();
  const today = useQuery({ ...trpc.home.today.queryOptions(todayRange()), ...CALM });
  return (
    <Tile title="Today's patients" testId="home-today" action={<Button size="xs" variant="subtle" onClick={() => go('patients')}>All patients</Button>}>
      <QueryState query={today} empty={today.data?.length === 0 && 'Nobody yet today. Patients appear here when they are booked, scanned or assessed today, or when you open them.'}>
        {() => (
          <Table highlightOnHover>
            <Table.Tbody>
              {today.data!.map(({ patient: p, reasons }) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <Anchor component="button" type="button" fw={600} onClick={() => go('patients', { patientId: p.id })} aria-label={`Open ${p.familyName}, ${p.givenName}`}>{p.familyName}, {p.givenName}</Anchor>
                    <Text size="xs" c="dimmed">MRN {p.mrn} · born {formatDate(p.dateOfBirth)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end">
                      {reasons.map((r) => <Badge key={r.kind} variant="light" color={r.kind === 'booking' ? 'blue' : r.kind === 'opened' ? 'gray' : 'teal'}>{reasonText(r)}</Badge>)}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Tile>
  );
}

function IncomingCard({ go }: { go: Go }) {
  const trpc = useTRPC();
  const inbox = useQuery({ ...trpc.scans.inbox.queryOptions(), refetchInterval: 30_000, refetchOnWindowFocus: false });
  const count = inbox.data?.length ?? 0;
  return (
    <Tile title="Waiting in Incoming" testId="home-incoming" action={<Button size="xs" variant="subtle" onClick={() => go('incoming-scans')}>Incoming scans</Button>}>
      <QueryState query={inbox} empty={count === 0 && 'No scan from a tablet is waiting.'}>
        {() => (
          <Stack gap="xs">
            <Text size="sm" fw={600} data-testid="home-incoming-count">{count === 1 ? '1 scan waits' : `${count} scans wait`} to be assigned to a wound.</Text>
            {inbox.data!.slice(0, 5).map((item) => (
              <Group key={item.id} justify="space-between" wrap="nowrap">
                <Text size="sm">{formatDateTime(item.receivedAt)} · MRN {item.patientMrn ?? '—'}</Text>
                <Badge variant="light" color={item.reason === 'import_failed' ? 'red' : 'yellow'}>{item.reason === 'import_failed' ? 'import failed' : item.reason === 'unknown_patient' ? 'no such patient' : 'no wound'}</Badge>
              </Group>
            ))}
          </Stack>
        )}
      </QueryState>
    </Tile>
  );
}

function AwaitingSignOffCard({ go }: { go: Go }) {
  const trpc = useTRPC();
  const waiting = useQuery({ ...trpc.home.awaitingSignOff.queryOptions(), ...CALM });
  return (
    <Tile title="Awaiting your sign-off" testId="home-signoff" action={waiting.data ? <Badge size="lg" variant="light" color={waiting.data.total ? 'orange' : 'teal'} data-testid="home-signoff-count">{waiting.data.total}</Badge> : undefined}>
      <QueryState query={waiting} empty={waiting.data?.total === 0 && 'Every assessment is signed off.'}>
        {() => (
          <Table highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th>Patient</Table.Th><Table.Th>Wound</Table.Th><Table.Th>Measured</Table.Th><Table.Th>By</Table.Th><Table.Th>Area</Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {waiting.data!.items.map((a) => (
                <Table.Tr key={a.assessmentId}>
                  <Table.Td>{a.patient.familyName}, {a.patient.givenName}<Text size="xs" c="dimmed">MRN {a.patient.mrn}</Text></Table.Td>
                  <Table.Td>{a.bodySite}</Table.Td>
                  <Table.Td>{formatDateTime(a.measuredAt)}</Table.Td>
                  <Table.Td>{a.measuredBy ?? '—'}</Table.Td>
                  <Table.Td>{a.areaCm2 === null ? '—' : `${a.areaCm2.toFixed(2)} cm²`}</Table.Td>
                  <Table.Td><Button size="xs" variant="light" onClick={() => go('patients', { patientId: a.patient.id, woundId: a.woundId })} aria-label={`Review ${a.patient.familyName}, ${a.bodySite}`}>Review</Button></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      {waiting.data && waiting.data.total > waiting.data.items.length && <Text size="xs" c="dimmed" mt="xs">The oldest {waiting.data.items.length} of {waiting.data.total} are shown.</Text>}
    </Tile>
  );
}

function ManagerSection({ permissions, go }: { permissions: Permission[]; go: Go }) {
  const tiles = MANAGER_TILES.filter((t) => permissions.includes(t.needs));
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} data-testid="home-manager">
      {tiles.map((t) => <Tile key={t.id} title={t.title} testId={`home-${t.id}`}>{t.render({ go })}</Tile>)}
    </SimpleGrid>
  );
}

function WorkstationHealthSection({ go }: { go: Go }) {
  const trpc = useTRPC();
  const health = useQuery({ ...trpc.home.workstation.queryOptions(), refetchInterval: 60_000 });
  return (
    <Stack data-testid="home-health">
      <Title order={3}>This workstation</Title>
      <QueryState query={health}>
        {() => {
          const h = health.data!;
          const backup = HEALTH_WORDS[h.backups.health];
          return (
            <>
              {h.backups.health !== 'ok' && (
                <Alert color={h.backups.health === 'not-scheduled' ? 'yellow' : 'red'} title={backup.label} data-testid="home-backup-warning">
                  {h.backups.health === 'never'
                    ? 'No backup of this clinic has been made. '
                    : h.backups.health === 'failing'
                      ? `The last automatic backup failed: ${h.backups.lastError ?? 'see Backups & keys'}. `
                      : h.backups.health === 'overdue'
                        ? `The last good backup was made ${formatDateTime(h.backups.lastGoodAt)}: older than the policy (${h.backups.everyHours ? `a backup every ${h.backups.everyHours} h` : `one at least every ${h.backups.maxAgeHours} h`}). `
                        : 'Backups are made only by hand. '}
                  <Anchor component="button" type="button" size="sm" onClick={() => go('backups')}>{h.backups.scheduled ? 'Check the backups' : 'Set up automatic backups'}</Anchor>
                </Alert>
              )}
              <SimpleGrid cols={{ base: 1, md: 2, lg: 4 }}>
                <Tile title="Tablet receiver" testId="home-receiver" action={<Badge variant="light" color={h.receiver.running && h.receiver.owner === 'this-clinic' ? 'teal' : 'gray'}>{h.receiver.running ? (h.receiver.owner === 'this-clinic' ? 'running' : 'another clinic') : 'stopped'}</Badge>}>
                  <Text size="sm">{h.receiver.running && h.receiver.owner === 'this-clinic' ? `Listening on port ${h.receiver.port}.` : 'Tablets cannot send scans until it is started.'}</Text>
                  <Text size="sm">{h.receiver.pairedTablets === 1 ? '1 paired tablet' : `${h.receiver.pairedTablets} paired tablets`}</Text>
                  <Anchor component="button" type="button" size="sm" ta="left" display="block" onClick={() => go('tablets')}>Tablets (LAN)</Anchor>
                </Tile>
                <Tile title="Backups" testId="home-backups" action={<Badge variant="light" color={backup.color}>{backup.label}</Badge>}>
                  <Text size="sm">Last good backup: {h.backups.lastGoodAt ? formatDateTime(h.backups.lastGoodAt) : 'none'}</Text>
                  <Text size="sm">{h.backups.everyHours ? `Automatic, every ${h.backups.everyHours} h` : 'Not automatic'}</Text>
                  <Anchor component="button" type="button" size="sm" ta="left" display="block" onClick={() => go('backups')}>Backups & keys</Anchor>
                </Tile>
                <Tile title="Wound model" testId="home-model" action={<Badge variant="light" color={h.model.ok ? 'teal' : 'red'}>{h.model.ok ? 'ready' : 'problem'}</Badge>}>
                  <Text size="sm">{h.model.name} {h.model.version} ({h.model.source === 'bundled' ? 'bundled' : 'installed here'})</Text>
                  {h.model.problem && <Text size="sm" c="red">{h.model.problem}</Text>}
                  <Anchor component="button" type="button" size="sm" ta="left" display="block" onClick={() => go('model')}>Wound model</Anchor>
                </Tile>
                <Tile title="Sync" testId="home-sync" action={<Badge variant="light" color={h.sync.configured ? 'teal' : 'gray'}>{h.sync.configured ? 'on' : 'not set up'}</Badge>}>
                  <Text size="sm">{h.sync.note}</Text>
                  {h.disk && <Text size="sm" mt="xs">Disk: {formatBytes(h.disk.freeBytes)} free of {formatBytes(h.disk.totalBytes)}</Text>}
                </Tile>
              </SimpleGrid>
            </>
          );
        }}
      </QueryState>
    </Stack>
  );
}
