import { useState } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Group, Loader, Modal, Radio, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { Permission } from '../../../common/permissions';
import { captureTimeProblem } from '../../../common/scan-checks';
import type { AppRouter } from '../../lib/trpc';
import { formatBytes, formatDate, formatDateTime, fromDateTimeInput, toDateTimeInput } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { ImportErrorAlert } from '../scans/ImportErrorAlert';

type InboxItem = inferRouterOutputs<AppRouter>['scans']['inbox'][number];

const REASONS: Record<InboxItem['reason'], string> = {
  unknown_patient: 'no patient with this MRN',
  unknown_wound: 'wound not given or not this patient’s',
  import_failed: 'import failed',
};

/** Nurses and doctors: scans tablets sent that could not be filed by themselves; assign each to a wound. */
export function IncomingScansScreen({ permissions }: { permissions: Permission[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const inbox = useQuery({ ...trpc.scans.inbox.queryOptions(), refetchInterval: 5000 });
  const [assigning, setAssigning] = useState<InboxItem | null>(null);
  const [discarding, setDiscarding] = useState<InboxItem | null>(null);
  const canWrite = permissions.includes('clinical.write');
  const discard = useMutation(
    trpc.scans.discardInbox.mutationOptions({
      onSuccess: () => {
        setDiscarding(null);
        void queryClient.invalidateQueries(trpc.scans.inbox.queryFilter());
      },
    }),
  );

  return (
    <Stack>
      <Title order={2}>Incoming scans</Title>
      <Text c="dimmed" size="sm">Scans from clinic tablets whose patient or wound this workstation could not match. Assign each to a wound to import it.</Text>
      <Card withBorder>
        {inbox.isPending ? (
          <Loader size="sm" aria-label="Loading incoming scans" />
        ) : inbox.isError ? (
          <Alert color="red">{messageOf(inbox.error)}</Alert>
        ) : inbox.data.length === 0 ? (
          <Text c="dimmed" data-testid="inbox-empty">No incoming scans are waiting.</Text>
        ) : (
          <Table data-testid="inbox-list">
            <Table.Thead>
              <Table.Tr><Table.Th>Received</Table.Th><Table.Th>MRN sent</Table.Th><Table.Th>Captured</Table.Th><Table.Th>File</Table.Th><Table.Th>Why it waits</Table.Th><Table.Th /></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {inbox.data.map((item) => (
                <Table.Tr key={item.id}>
                  <Table.Td>{formatDateTime(item.receivedAt)}</Table.Td>
                  <Table.Td>{item.patientMrn ?? (item.worklistId ? `worklist ${item.worklistId}` : '—')}</Table.Td>
                  <Table.Td>{formatDateTime(item.captureTime)}<Text size="xs" c="dimmed">{item.captureDevice}</Text></Table.Td>
                  <Table.Td>{item.fileName}<Text size="xs" c="dimmed">{formatBytes(item.size)}</Text></Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={item.reason === 'import_failed' ? 'red' : 'yellow'}>{REASONS[item.reason]}</Badge>
                    {item.error && <ImportErrorAlert compact error={item.error} testId="inbox-error" />}
                  </Table.Td>
                  <Table.Td>
                    {item.importing ? (
                      <Group gap="xs"><Loader size="xs" /><Text size="sm">Importing…</Text></Group>
                    ) : canWrite ? (
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <Button size="xs" onClick={() => setAssigning(item)}>Assign to wound</Button>
                        <Button size="xs" variant="subtle" color="red" onClick={() => setDiscarding(item)}>Discard</Button>
                      </Group>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      {assigning && <AssignDialog item={assigning} onClose={() => setAssigning(null)} />}
      <Modal opened={discarding !== null} onClose={() => setDiscarding(null)} title="Discard incoming scan">
        <Stack>
          <Text>The scan is deleted from this workstation. The tablet may still have its copy.</Text>
          {discard.isError && <Alert color="red">{messageOf(discard.error)}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDiscarding(null)}>Keep</Button>
            <Button color="red" loading={discard.isPending} onClick={() => discarding && discard.mutate({ inboxId: discarding.id })}>Discard</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function AssignDialog({ item, onClose }: { item: InboxItem; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [patientId, setPatientId] = useState<string | null>(item.patientId);
  const [query, setQuery] = useState(item.patientId ? '' : (item.patientMrn ?? ''));
  const [debounced] = useDebouncedValue(query.trim(), 250);
  const [woundId, setWoundId] = useState<string | null>(null);
  // Captured: the tablet's own time, unless it is impossible (a tablet clock in 2030): then now, said so.
  const sent = Date.parse(item.captureTime);
  const sentProblem = captureTimeProblem(sent, null);
  const [captured, setCaptured] = useState(() => toDateTimeInput(sentProblem ? Date.now() : sent));
  const [capturedError, setCapturedError] = useState<string | null>(null);
  // The last try found an extent that does not fit the wound: importing it anyway needs a tick.
  const extentWarned = item.error?.code.startsWith('EXTENT_') ?? false;
  const [acceptExtent, setAcceptExtent] = useState(false);
  const results = useQuery({ ...trpc.patients.search.queryOptions({ query: debounced, limit: 20 }), enabled: !patientId && debounced.length > 0, placeholderData: keepPreviousData });
  const patient = useQuery({ ...trpc.patients.get.queryOptions({ id: patientId ?? '' }), enabled: patientId !== null });
  const wounds = useQuery({ ...trpc.wounds.listByPatient.queryOptions({ patientId: patientId ?? '' }), enabled: patientId !== null });
  const assign = useMutation(
    trpc.scans.assignInbox.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries(trpc.scans.pathFilter());
        onClose();
      },
    }),
  );

  return (
    <Modal opened onClose={onClose} title="Assign scan to a wound" size="lg">
      <Stack>
        <Text size="sm" c="dimmed">Sent as MRN {item.patientMrn ?? '—'}, captured {formatDateTime(item.captureTime)} ({item.fileName}).</Text>
        {patientId ? (
          <Group justify="space-between">
            <Text fw={600} data-testid="assign-patient">{patient.data ? `${patient.data.familyName}, ${patient.data.givenName} · MRN ${patient.data.mrn}` : 'Loading…'}</Text>
            <Button size="xs" variant="default" onClick={() => { setPatientId(null); setWoundId(null); }}>Another patient</Button>
          </Group>
        ) : (
          <>
            <TextInput label="Patient" placeholder="Any part of a name or MRN" value={query} onChange={(e) => setQuery(e.currentTarget.value)} data-autofocus />
            {debounced.length > 0 && (results.isPending ? <Loader size="sm" /> : results.isError ? <Alert color="red">{messageOf(results.error)}</Alert> : results.data.items.length === 0 ? (
              <Text c="dimmed" size="sm">No patient matches “{debounced}”.</Text>
            ) : (
              <Stack gap={4}>
                {results.data.items.map((p) => (
                  <Button key={p.id} variant="default" justify="flex-start" onClick={() => setPatientId(p.id)}>{p.familyName}, {p.givenName} · MRN {p.mrn} · {formatDate(p.dateOfBirth)}</Button>
                ))}
              </Stack>
            ))}
          </>
        )}
        {patientId && (wounds.isPending ? <Loader size="sm" /> : wounds.isError ? <Alert color="red">{messageOf(wounds.error)}</Alert> : wounds.data.length === 0 ? (
          <Text c="dimmed" size="sm">This patient has no wound yet; add one in Patients & wounds first.</Text>
        ) : (
          <Radio.Group label="Wound" value={woundId} onChange={setWoundId}>
            <Stack gap={6} mt="xs">
              {wounds.data.map((w) => <Radio key={w.id} value={w.id} label={`${w.bodySite}${w.laterality ? ` (${w.laterality})` : ''} · ${w.etiology.replaceAll('_', ' ')} · ${w.status}`} />)}
            </Stack>
          </Radio.Group>
        ))}
        <TextInput
          label="Captured"
          type="datetime-local"
          value={captured}
          onChange={(e) => {
            setCaptured(e.currentTarget.value);
            setCapturedError(null);
          }}
          description={sentProblem ? `The tablet's time (${formatDateTime(sent)}) is not possible: ${sentProblem.toLowerCase()}. Enter when it was captured.` : 'As the tablet sent it'}
          error={capturedError}
          w={320}
        />
        {extentWarned && item.error && (
          <Checkbox label={`Import anyway: ${item.error.message}`} checked={acceptExtent} onChange={(e) => setAcceptExtent(e.currentTarget.checked)} data-testid="accept-extent" />
        )}
        {assign.isError && <Alert color="red">{messageOf(assign.error)}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>Cancel</Button>
          <Button
            disabled={!woundId || (extentWarned && !acceptExtent)}
            loading={assign.isPending}
            onClick={() => {
              if (!woundId || assign.isPending) return;
              const at = fromDateTimeInput(captured);
              const problem = captureTimeProblem(at, null);
              if (problem) return setCapturedError(problem);
              assign.mutate({ inboxId: item.id, woundId, capturedAt: at, acceptImplausibleExtent: extentWarned && acceptExtent });
            }}
          >
            Assign and import
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
