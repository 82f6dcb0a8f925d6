import { useState } from 'react';
import { Alert, Button, Group, Loader, Stack, Table, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

/** Who did what to which record, newest first; the hash chain can be verified from here. */
export function AuditScreen() {
  const trpc = useTRPC();
  const [entity, setEntity] = useState('');
  const [entityId, setEntityId] = useState('');
  const filter = { limit: 200, ...(entity.trim() ? { entity: entity.trim() } : {}), ...(entityId.trim() ? { entityId: entityId.trim() } : {}) };
  const rows = useQuery(trpc.audit.list.queryOptions(filter));
  const verify = useMutation(trpc.audit.verify.mutationOptions());
  // Staff names for the ids (IT admins manage staff; patients stay ids here: no patient data).
  const staff = useQuery({ ...trpc.staff.list.queryOptions({ includeDisabled: true }), retry: false });
  const names = new Map((staff.data ?? []).map((m) => [m.id, `${m.displayName} (${m.username})`]));
  const who = (id: string) => names.get(id) ?? id;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Audit log</Title>
        <Button onClick={() => verify.mutate()} loading={verify.isPending}>Verify chain</Button>
      </Group>
      {verify.data && (verify.data.ok ? (
        <Alert color="teal" data-testid="audit-verify">Chain intact: {verify.data.rows} entries verified.</Alert>
      ) : (
        <Alert color="red" data-testid="audit-verify" title="The audit log was altered">First broken entry: #{verify.data.firstBrokenId} ({verify.data.reason})</Alert>
      ))}
      {verify.isError && <Alert color="red">{messageOf(verify.error)}</Alert>}
      <Group>
        <TextInput label="Record type" placeholder="patient, wound, scan, staff…" value={entity} onChange={(e) => setEntity(e.currentTarget.value)} />
        <TextInput label="Record id" value={entityId} onChange={(e) => setEntityId(e.currentTarget.value)} />
      </Group>
      {rows.isPending ? <Loader /> : rows.isError ? <Alert color="red">{messageOf(rows.error)}</Alert> : (
        <Table data-testid="audit-rows" striped>
          <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>Role</Table.Th><Table.Th>Action</Table.Th><Table.Th>Record</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {rows.data.map((r) => (
              <Table.Tr key={r.seq}>
                <Table.Td>{r.seq}</Table.Td>
                <Table.Td>{new Date(r.at).toLocaleString()}</Table.Td>
                <Table.Td title={r.actorId}>{who(r.actorId)}</Table.Td>
                <Table.Td>{r.actorRole}</Table.Td>
                <Table.Td>{r.action}</Table.Td>
                <Table.Td title={r.entityId ?? undefined}>{r.entity}{r.entityId ? ` ${r.entity === 'staff' ? who(r.entityId) : r.entityId}` : ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
