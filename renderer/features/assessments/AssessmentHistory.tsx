import { Alert, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { describeAnnotation } from '../../../common/annotations';
import type { Assessment } from '../../../common/assessments';
import { WoundExports } from '../reports/WoundExports';
import { formatDate, formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { METHOD_LABELS } from './Figures';
import { AssessmentStatus } from './SavedAssessment';

/**
 * The wound's saved assessments by clinical date (the scan's capture time), newest first, naming
 * the scan each measured and when it was saved. Voided ones stay listed, marked. Each opens
 * read-only; a doctor reviews one there before signing it off.
 */
export function AssessmentHistory({ woundId, canSignOff, canExport = false, onShow }: { woundId: string; canSignOff: boolean; canExport?: boolean; onShow?(a: Assessment): void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.assessments.listByWound.queryOptions({ woundId }));
  const annotations = useQuery(trpc.annotations.listByWound.queryOptions({ woundId }));

  return (
    <Stack gap="xs" data-testid="assessment-history">
      <Group justify="space-between">
        <Title order={4}>Assessments</Title>
        {canExport && (list.data?.some((a) => !a.voided) ?? false) && <WoundExports woundId={woundId} />}
      </Group>
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
              <Table.Th>Scan (clinical date)</Table.Th><Table.Th>Method</Table.Th><Table.Th>By</Table.Th><Table.Th>Area</Table.Th><Table.Th>L × W</Table.Th><Table.Th>Max depth</Table.Th><Table.Th>Volume</Table.Th><Table.Th>Sign-off</Table.Th><Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.map((a) => (
              <Table.Tr key={a.id} data-testid="assessment-row" data-voided={a.voided ? 'true' : undefined} style={a.voided ? { opacity: 0.6, textDecoration: 'line-through' } : undefined}>
                <Table.Td>
                  <Text size="sm" data-testid="clinical-date">{a.scan ? `${a.scan.format.toUpperCase()} scan of ${formatDateTime(a.scan.capturedAt)}` : formatDateTime(a.measuredAt)}</Text>
                  <Text size="xs" c="dimmed" data-testid="saved-at">saved {formatDateTime(a.savedAt)}</Text>
                </Table.Td>
                <Table.Td>{METHOD_LABELS[a.method]}{a.modelVersion ? <Text size="xs" c="dimmed">{a.modelVersion}</Text> : null}</Table.Td>
                <Table.Td>{a.measuredBy?.displayName ?? '—'}</Table.Td>
                <Table.Td data-figure="area">{a.figures.area_cm2.toFixed(2)} cm²</Table.Td>
                <Table.Td>{a.figures.length_cm.toFixed(1)} × {a.figures.width_cm.toFixed(1)} cm</Table.Td>
                <Table.Td data-figure="max-depth">{a.figures.max_depth_mm.toFixed(1)} mm</Table.Td>
                <Table.Td data-figure="volume">{a.figures.volume_cm3.toFixed(2)} cm³</Table.Td>
                <Table.Td style={{ textDecoration: 'none' }}><AssessmentStatus a={a} /></Table.Td>
                <Table.Td>
                  {onShow && a.scanId && (
                    <Button size="xs" variant={canSignOff && !a.signedOffAt && !a.voided ? 'light' : 'default'} onClick={() => onShow(a)}>
                      {canSignOff && !a.signedOffAt && !a.voided ? 'Review and sign off' : 'Show'}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {annotations.data && annotations.data.length > 0 && (
        <Stack gap={2} data-testid="wound-annotations">
          <Text size="sm" fw={600}>Annotations</Text>
          {annotations.data.map((n) => (
            <Text size="xs" key={n.id} data-testid="timeline-annotation">
              {formatDate(n.scanCapturedAt)} · {describeAnnotation(n)}{' '}
              <Text span size="xs" c="dimmed">({n.author?.displayName ?? '—'}, {formatDateTime(n.createdAt)})</Text>
            </Text>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
