import { Alert, Badge, Button, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Assessment } from '../../../common/assessments';
import { formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { METHOD_LABELS } from './Figures';

/** The wound's saved assessments, newest first; doctors sign them off here. */
export function AssessmentHistory({ woundId, canSignOff, onShow }: { woundId: string; canSignOff: boolean; onShow?(a: Assessment): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.assessments.listByWound.queryOptions({ woundId }));
  const signOff = useMutation(trpc.assessments.signOff.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries(trpc.assessments.listByWound.queryFilter({ woundId })) }));

  return (
    <Stack gap="xs" data-testid="assessment-history">
      <Title order={4}>Assessments</Title>
      {list.isPending ? (
        <Loader size="sm" aria-label="Loading assessments" />
      ) : list.isError ? (
        <Alert color="red">{messageOf(list.error)}</Alert>
      ) : list.data.length === 0 ? (
        <Text c="dimmed" size="sm">No assessments of this wound yet. Open a scan and choose “Assess wound”.</Text>
      ) : (
        <Table highlightOnHover fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Measured</Table.Th><Table.Th>Method</Table.Th><Table.Th>By</Table.Th><Table.Th>Area</Table.Th><Table.Th>L × W</Table.Th><Table.Th>Max depth</Table.Th><Table.Th>Volume</Table.Th><Table.Th>Sign-off</Table.Th><Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.map((a) => (
              <Table.Tr key={a.id} data-testid="assessment-row">
                <Table.Td>{formatDateTime(a.measuredAt)}</Table.Td>
                <Table.Td>{METHOD_LABELS[a.method]}{a.modelVersion ? <Text size="xs" c="dimmed">{a.modelVersion}</Text> : null}</Table.Td>
                <Table.Td>{a.measuredBy?.displayName ?? '—'}</Table.Td>
                <Table.Td data-figure="area">{a.figures.area_cm2.toFixed(2)} cm²</Table.Td>
                <Table.Td>{a.figures.length_cm.toFixed(1)} × {a.figures.width_cm.toFixed(1)} cm</Table.Td>
                <Table.Td data-figure="max-depth">{a.figures.max_depth_mm.toFixed(1)} mm</Table.Td>
                <Table.Td data-figure="volume">{a.figures.volume_cm3.toFixed(2)} cm³</Table.Td>
                <Table.Td>
                  {a.signedOffBy ? (
                    <Badge variant="light" color="teal">{a.signedOffBy.displayName}</Badge>
                  ) : canSignOff ? (
                    <Button size="xs" variant="light" loading={signOff.isPending && signOff.variables?.id === a.id} onClick={() => signOff.mutate({ id: a.id })}>Sign off</Button>
                  ) : (
                    <Text size="xs" c="dimmed">awaiting a doctor</Text>
                  )}
                </Table.Td>
                <Table.Td>{onShow && a.scanId && <Button size="xs" variant="default" onClick={() => onShow(a)}>Show</Button>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {signOff.isError && <Alert color="red" title="Not signed off">{messageOf(signOff.error)}</Alert>}
    </Stack>
  );
}
