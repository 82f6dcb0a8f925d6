import { useEffect, useRef } from 'react';
import { Alert, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { enrolWorkstationSchema, type SyncStatus } from '../../../common/sync';
import { formatDateTime } from '../../lib/format';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

const STATE_WORDS: Record<SyncStatus['state'], { label: string; color: string; words: string }> = {
  connected: { label: 'Connected', color: 'teal', words: 'Changes go to the Coherency service and come back from the other workstations.' },
  offline: { label: 'Offline', color: 'yellow', words: 'The service cannot be reached just now. Work goes on here; queued changes are sent when it answers.' },
  revoked: { label: 'Revoked', color: 'red', words: "The service revoked this workstation's access. Queued changes are kept; an IT admin connects it again with a new enrolment code." },
  error: { label: 'Error', color: 'red', words: 'The last sync failed (see the error below). It is tried again on its own.' },
  not_enrolled: { label: 'Not connected', color: 'gray', words: 'This clinic is not connected to the Coherency service. An IT admin connects it with an enrolment code from the service.' },
};

const when = (ms: number | null): string => (ms === null ? 'never' : formatDateTime(ms));
const shown = (v: unknown): string => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** The Sync panel: state, last sync, queue, rejected changes and overwritten edits (managers, IT); connecting the clinic (IT). */
export function SyncScreen({ permissions }: { permissions: Permission[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = permissions.includes('sync.manage');
  const canSeeOverwrites = permissions.includes('sync.conflicts');
  const status = useQuery({ ...trpc.sync.status.queryOptions(), refetchInterval: 5_000 });
  const rejected = useQuery({ ...trpc.sync.rejected.queryOptions(), refetchInterval: 15_000 });
  const overwrites = useQuery({ ...trpc.sync.overwrites.queryOptions(), enabled: canSeeOverwrites, refetchInterval: 15_000 });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.sync.pathKey() });
  const syncNow = useMutation(trpc.sync.syncNow.mutationOptions({ onSettled: refresh }));
  const rotate = useMutation(trpc.sync.rotateCredential.mutationOptions({ onSettled: refresh }));
  const dismissRejected = useMutation(trpc.sync.dismissRejected.mutationOptions({ onSettled: refresh }));
  const dismissOverwrite = useMutation(trpc.sync.dismissOverwrite.mutationOptions({ onSettled: refresh }));
  const form = useZodForm(enrolWorkstationSchema, { serviceUrl: 'https://', code: '', caPem: null });
  const enrol = useMutation(trpc.sync.enrol.mutationOptions({ onSuccess: () => form.reset({ serviceUrl: 'https://', code: '', caPem: null }), onSettled: refresh }));
  const enrolling = useRef(false);

  // Esc clears the enrolment form (nothing is sent until "Connect").
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !enrol.isPending) {
        form.reset({ serviceUrl: 'https://', code: '', caPem: null });
        enrol.reset();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enrol, form]);

  if (status.isPending) return <Loader aria-label="Loading sync status" />;
  if (status.isError) return <Alert color="red">{messageOf(status.error)}</Alert>;
  const s = status.data;
  const state = STATE_WORDS[s.state];
  const needsEnrolment = s.state === 'not_enrolled' || s.state === 'revoked' || s.lastError?.code === 'UNAUTHENTICATED' || s.lastError?.code === 'CREDENTIAL_MISSING';

  const submit = () => {
    if (enrolling.current || enrol.isPending) return; // a double-click sends one code
    const input = form.validate();
    if (!input) return;
    enrolling.current = true;
    enrol.mutate(input, { onSettled: () => (enrolling.current = false), onError: (e) => form.showServerError(e) });
  };

  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Title order={2}>Sync</Title>
        <Group>
          {s.state !== 'not_enrolled' && (
            <Button variant="default" loading={syncNow.isPending} disabled={syncNow.isPending} onClick={() => !syncNow.isPending && syncNow.mutate()} data-testid="sync-now">
              Sync now
            </Button>
          )}
          {canManage && s.state !== 'not_enrolled' && !needsEnrolment && (
            <Button variant="default" loading={rotate.isPending} disabled={rotate.isPending} onClick={() => !rotate.isPending && rotate.mutate()}>
              Renew credential
            </Button>
          )}
        </Group>
      </Group>

      <Card withBorder data-testid="sync-status">
        <Group mb="xs">
          <Badge color={state.color} size="lg" data-testid="sync-state">{state.label}</Badge>
          {s.clinicName && <Text size="sm">as <b>{s.clinicName}</b> on {s.serviceUrl}</Text>}
        </Group>
        <Text size="sm" c="dimmed" mb="sm">{state.words}</Text>
        <SimpleGrid cols={{ base: 2, md: 4 }}>
          <div><Text size="xs" c="dimmed">Last sync</Text><Text data-testid="sync-last">{when(s.lastSyncAt)}</Text></div>
          <div><Text size="xs" c="dimmed">Waiting to be sent</Text><Text data-testid="sync-queued">{s.queued}</Text></div>
          <div><Text size="xs" c="dimmed">Refused by the service</Text><Text data-testid="sync-rejected-count">{s.rejected}</Text></div>
          <div><Text size="xs" c="dimmed">Next try</Text><Text>{s.nextAttemptAt ? formatDateTime(s.nextAttemptAt) : '—'}</Text></div>
        </SimpleGrid>
        {s.lastError && (
          <Alert color={s.state === 'offline' ? 'yellow' : 'red'} mt="sm" title={`Last error (${s.lastError.code}) at ${when(s.lastError.at)}`} data-testid="sync-last-error">
            {s.lastError.message}
          </Alert>
        )}
        {syncNow.isError && <Alert color="red" mt="sm">{messageOf(syncNow.error)}</Alert>}
        {rotate.isError && <Alert color="red" mt="sm">{messageOf(rotate.error)}</Alert>}
        {rotate.isSuccess && <Alert color="teal" mt="sm">The credential was renewed. Nothing queued was lost.</Alert>}
      </Card>

      {canManage && needsEnrolment && (
        <Card withBorder component="form" onSubmit={(e) => { e.preventDefault(); submit(); }} aria-label="Connect to the service">
          <Title order={4} mb="xs">Connect this clinic to the Coherency service</Title>
          <Text size="sm" c="dimmed" mb="sm">The service's operator gives you an enrolment code (16 letters and digits, valid once). The workstation's credential goes to the system keychain only.</Text>
          <Stack>
            <TextInput label="Service address" value={form.values.serviceUrl} onChange={(e) => form.set('serviceUrl', e.currentTarget.value)} error={form.errors['serviceUrl']} required />
            <TextInput label="Enrolment code" placeholder="K7QD-3M9X-PT2A-HV8R" value={form.values.code} onChange={(e) => form.set('code', e.currentTarget.value)} error={form.errors['code']} required autoComplete="off" />
            <Textarea
              label="Service certificate authority (only for a private certificate)"
              placeholder="-----BEGIN CERTIFICATE-----"
              autosize
              minRows={2}
              maxRows={8}
              value={form.values.caPem ?? ''}
              onChange={(e) => form.set('caPem', e.currentTarget.value.trim() === '' ? null : e.currentTarget.value)}
              error={form.errors['caPem']}
            />
            {enrol.isError && <Alert color="red" data-testid="sync-enrol-error">{messageOf(enrol.error)}</Alert>}
            {enrol.isSuccess && <Alert color="teal">Connected. This workstation now syncs on its own.</Alert>}
            <Group><Button type="submit" loading={enrol.isPending} disabled={enrol.isPending}>Connect</Button></Group>
          </Stack>
        </Card>
      )}

      <Title order={4}>Changes the service refused</Title>
      {rejected.isError ? <Alert color="red">{messageOf(rejected.error)}</Alert> : !rejected.data?.length ? (
        <Text size="sm" c="dimmed">None.</Text>
      ) : (
        <Table data-testid="sync-rejected" verticalSpacing="xs">
          <Table.Thead><Table.Tr><Table.Th>Change</Table.Th><Table.Th>Made</Table.Th><Table.Th>Why it was refused</Table.Th><Table.Th>What to do</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {rejected.data.map((r) => (
              <Table.Tr key={r.mutationId}>
                <Table.Td>{r.label}</Table.Td>
                <Table.Td>{when(r.issuedAt)}</Table.Td>
                <Table.Td>{r.reason}{r.keptLocally > 0 && <Text size="xs" c="dimmed">{r.keptLocally} record{r.keptLocally === 1 ? '' : 's'} kept on this workstation only.</Text>}</Table.Td>
                <Table.Td><Text size="sm">{r.advice}</Text></Table.Td>
                <Table.Td>
                  <Button size="xs" variant="subtle" disabled={dismissRejected.isPending} onClick={() => dismissRejected.mutate({ mutationId: r.mutationId })}>Done</Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}

      {canSeeOverwrites && (
        <>
          <Title order={4}>Edits another workstation overwrote</Title>
          {overwrites.isError ? <Alert color="red">{messageOf(overwrites.error)}</Alert> : !overwrites.data?.length ? (
            <Text size="sm" c="dimmed">None.</Text>
          ) : (
            <Table data-testid="sync-overwrites" verticalSpacing="xs">
              <Table.Thead><Table.Tr><Table.Th>Record</Table.Th><Table.Th>Field</Table.Th><Table.Th>Replaced value</Table.Th><Table.Th>Value now</Table.Th><Table.Th>When</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {overwrites.data.map((w) => (
                  <Table.Tr key={w.id}>
                    <Table.Td>{w.table.replace(/_/g, ' ')}</Table.Td>
                    <Table.Td>{w.field.replace(/_/g, ' ')}</Table.Td>
                    <Table.Td>{shown(w.overwritten)}</Table.Td>
                    <Table.Td>{shown(w.value)}</Table.Td>
                    <Table.Td>{when(w.at)}</Table.Td>
                    <Table.Td><Button size="xs" variant="subtle" disabled={dismissOverwrite.isPending} onClick={() => dismissOverwrite.mutate({ id: w.id })}>Done</Button></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}
    </Stack>
  );
}
