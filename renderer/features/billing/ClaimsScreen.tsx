import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { messageOf } from '../../lib/forms';
import { useTRPC, useTRPCClient } from '../../lib/trpc';
import { download, formatMoney, STATUS_LABELS, useCommand } from '../operations/lib';

/** Insurance claims: export one or a batch as CSV or FHIR R4, then mark them submitted, paid or denied. */
export function ClaimsScreen({ permissions }: { permissions: Permission[] }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const claims = useQuery(trpc.billing.claims.queryOptions({ status: null }));
  const [picked, setPicked] = useState<string[]>([]);
  const [denyReason, setDenyReason] = useState('');
  const [exportError, setExportError] = useState<string | null>(null);
  const mark = useCommand(trpc.billing.markClaim.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries(trpc.billing.pathFilter()) }));
  const canWrite = permissions.includes('billing.write');
  const stamp = new Date().toISOString().slice(0, 10);
  const exportAs = async (kind: 'csv' | 'fhir') => {
    setExportError(null);
    try {
      if (kind === 'csv') download(`claims-${stamp}.csv`, await client.billing.exportClaimsCsv.query({ claimIds: picked }), 'text/csv');
      else download(`claims-${stamp}.fhir.json`, JSON.stringify(await client.billing.exportClaimsFhir.query({ claimIds: picked }), null, 2), 'application/fhir+json');
    } catch (error) {
      setExportError(messageOf(error));
    }
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Claims</Title>
        <Group>
          <Button variant="light" disabled={!picked.length} onClick={() => void exportAs('csv')}>Export CSV</Button>
          <Button variant="light" disabled={!picked.length} onClick={() => void exportAs('fhir')}>Export FHIR R4</Button>
        </Group>
      </Group>
      {exportError && <Alert color="red">{exportError}</Alert>}
      {mark.error ? <Alert color="red">{messageOf(mark.error)}</Alert> : null}
      {claims.isPending ? <Loader /> : claims.isError ? <Alert color="red">{messageOf(claims.error)}</Alert> : claims.data.length === 0 ? <Text c="dimmed">No claims yet: open an issued invoice and choose “Create claim”.</Text> : (
        <Table data-testid="claims">
          <Table.Thead><Table.Tr><Table.Th /><Table.Th>Invoice</Table.Th><Table.Th>Patient</Table.Th><Table.Th>Insurer</Table.Th><Table.Th>Amount</Table.Th><Table.Th>Status</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {claims.data.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td><Checkbox aria-label={`Select claim for ${c.invoiceNumber}`} checked={picked.includes(c.id)} onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, c.id] : picked.filter((x) => x !== c.id))} /></Table.Td>
                <Table.Td>{c.invoiceNumber}</Table.Td>
                <Table.Td>{c.patientName}</Table.Td>
                <Table.Td>{c.payerName}</Table.Td>
                <Table.Td>{formatMoney(c.amountCents, c.currency)}</Table.Td>
                <Table.Td><Badge variant="light" data-testid="claim-status">{STATUS_LABELS[c.status]}</Badge>{c.denialReason && <Text size="xs" c="dimmed">{c.denialReason}</Text>}</Table.Td>
                <Table.Td>
                  {canWrite && (
                    <Group gap={4}>
                      {(c.status === 'ready' || c.status === 'denied') && <Button size="compact-xs" onClick={() => mark.run({ claimId: c.id, status: 'submitted', reason: null })}>Mark submitted</Button>}
                      {c.status === 'submitted' && <Button size="compact-xs" color="teal" onClick={() => mark.run({ claimId: c.id, status: 'paid', reason: null })}>Mark paid</Button>}
                      {c.status === 'submitted' && (
                        <>
                          <TextInput size="xs" placeholder="Denial reason" aria-label="Denial reason" value={denyReason} onChange={(e) => setDenyReason(e.currentTarget.value)} w={140} />
                          <Button size="compact-xs" color="red" variant="light" disabled={!denyReason.trim()} onClick={() => mark.run({ claimId: c.id, status: 'denied', reason: denyReason.trim() })}>Mark denied</Button>
                        </>
                      )}
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
