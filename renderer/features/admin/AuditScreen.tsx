import { useState } from 'react';
import { Alert, Button, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

const PAGE = 50;

/** Local midnight of a YYYY-MM-DD day, plus `days`. */
function dayStart(day: string, days = 0): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const d = new Date(`${day}T00:00:00`);
  d.setDate(d.getDate() + days);
  return Number.isFinite(d.getTime()) ? d.getTime() : undefined;
}

/**
 * Who did what to which record, newest first, a page at a time: filter by record type and staff
 * member (lists of what the log holds), a date range and a record id; export what the filters
 * match as CSV; verify the hash chain. Staff and tablets appear by name; patients as ids only.
 */
export function AuditScreen() {
  const trpc = useTRPC();
  const [entity, setEntity] = useState<string | null>(null);
  const [actorId, setActorId] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [entityId, setEntityId] = useState('');
  /** `beforeSeq` of each page shown so far (the first is the newest row). */
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined]);
  const fromMs = dayStart(from);
  const toMs = dayStart(to, 1);
  const rangeError = fromMs !== undefined && toMs !== undefined && toMs <= fromMs ? 'The end is before the start' : null;
  const filter = {
    ...(entity ? { entity } : {}),
    ...(actorId ? { actorId } : {}),
    ...(entityId.trim() ? { entityId: entityId.trim() } : {}),
    ...(fromMs !== undefined ? { from: fromMs } : {}),
    ...(toMs !== undefined && !rangeError ? { to: toMs } : {}),
  };
  const beforeSeq = cursors[cursors.length - 1];
  const rows = useQuery({ ...trpc.audit.list.queryOptions({ ...filter, limit: PAGE + 1, ...(beforeSeq !== undefined ? { beforeSeq } : {}) }), placeholderData: keepPreviousData });
  const count = useQuery(trpc.audit.count.queryOptions(filter));
  const facets = useQuery(trpc.audit.facets.queryOptions());
  const verify = useMutation(trpc.audit.verify.mutationOptions());
  const exportCsv = useMutation(
    trpc.audit.exportCsv.mutationOptions({
      onSuccess: ({ csv }) => {
        const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = `audit-log-${new Date().toISOString().slice(0, 10)}.csv`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    }),
  );
  const names = new Map((facets.data?.actors ?? []).map((a) => [a.id, a.name]));
  const who = (id: string) => names.get(id) ?? id;
  const changed = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setCursors([undefined]);
  };
  const page = rows.data?.slice(0, PAGE) ?? [];
  const hasOlder = (rows.data?.length ?? 0) > PAGE;
  const first = (cursors.length - 1) * PAGE;
  const actorGroups = (['staff', 'device', 'system', 'unknown'] as const)
    .map((kind) => ({ group: { staff: 'Staff', device: 'Tablets', system: 'Workstation', unknown: 'Former or unknown' }[kind], items: (facets.data?.actors ?? []).filter((a) => a.kind === kind).map((a) => ({ value: a.id, label: a.name })) }))
    .filter((g) => g.items.length > 0);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Audit log</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => !exportCsv.isPending && exportCsv.mutate(filter)} loading={exportCsv.isPending} disabled={Boolean(rangeError)}>Export CSV</Button>
          <Button onClick={() => !verify.isPending && verify.mutate()} loading={verify.isPending}>Verify chain</Button>
        </Group>
      </Group>
      {verify.data && (verify.data.ok ? (
        <Alert color="teal" data-testid="audit-verify">Chain intact: {verify.data.rows} entries verified.</Alert>
      ) : (
        <Alert color="red" data-testid="audit-verify" title="The audit log was altered">First broken entry: #{verify.data.firstBrokenId} ({verify.data.reason})</Alert>
      ))}
      {verify.isError && <Alert color="red">{messageOf(verify.error)}</Alert>}
      {exportCsv.isError && <Alert color="red" title="The export failed">{messageOf(exportCsv.error)}</Alert>}
      {exportCsv.isSuccess && <Text size="sm" data-testid="audit-exported">Exported {exportCsv.data.rows.toLocaleString()} entries as CSV.</Text>}
      <Group align="flex-end">
        <Select label="Record type" placeholder="All" data={facets.data?.entities ?? []} value={entity} onChange={changed(setEntity)} clearable searchable w={200} />
        <Select label="Staff member" placeholder="Everyone" data={actorGroups} value={actorId} onChange={changed(setActorId)} clearable searchable w={260} />
        <TextInput label="From" type="date" value={from} onChange={(e) => changed(setFrom)(e.currentTarget.value)} />
        <TextInput label="To" type="date" value={to} onChange={(e) => changed(setTo)(e.currentTarget.value)} error={rangeError} />
        <TextInput label="Record id" value={entityId} onChange={(e) => changed(setEntityId)(e.currentTarget.value)} />
      </Group>
      {rows.isPending ? <Loader /> : rows.isError ? <Alert color="red">{messageOf(rows.error)}</Alert> : (
        <>
          <Table data-testid="audit-rows" striped>
            <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>Role</Table.Th><Table.Th>Action</Table.Th><Table.Th>Record</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {page.map((r) => (
                <Table.Tr key={r.seq}>
                  <Table.Td>{r.seq}</Table.Td>
                  <Table.Td>{formatDateTime(r.at)}</Table.Td>
                  <Table.Td title={r.actorId}>{who(r.actorId)}</Table.Td>
                  <Table.Td>{r.actorRole}</Table.Td>
                  <Table.Td>{r.action}</Table.Td>
                  <Table.Td title={r.entityId ?? undefined}>{r.entity}{r.entityId ? ` ${r.entity === 'staff' ? who(r.entityId) : r.entity === 'device' ? who(`device:${r.entityId}`) : r.entityId}` : ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {page.length === 0 && <Text c="dimmed">No entries match.</Text>}
          <Group justify="space-between">
            <Text size="sm" c="dimmed" data-testid="audit-range">
              {page.length ? `${(first + 1).toLocaleString()}–${(first + page.length).toLocaleString()}` : '0'} of {count.data?.toLocaleString() ?? '…'}
            </Text>
            <Group gap="xs">
              <Button size="xs" variant="default" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Newer</Button>
              <Button size="xs" variant="default" disabled={!hasOlder} onClick={() => setCursors((c) => [...c, page[page.length - 1]!.seq])}>Older</Button>
            </Group>
          </Group>
        </>
      )}
    </Stack>
  );
}
