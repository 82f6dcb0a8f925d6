import { useRef, useState } from 'react';
import { Alert, Button, Card, Code, Group, Loader, Radio, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UPDATE_CHANNELS, type UpdateChannelName, type UpdateStatus } from '../../../common/updates';
import { formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { describeUpdateState, isMoving } from './updateWords';

const CHANNEL_LABELS: Record<UpdateChannelName, string> = {
  stable: 'Stable (every workstation)',
  pilot: 'Pilot (early releases, for a few workstations)',
};
const TONE_COLOURS = { ok: 'teal', info: 'blue', warn: 'yellow', bad: 'red' } as const;

/** Updates (IT admins, settings.manage): this workstation's version, channel, last check and its outcome, Check now and Install. */
export function UpdatesScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Polled while a check or download runs: the service moves on by itself.
  const status = useQuery({
    ...trpc.updates.status.queryOptions(),
    refetchInterval: (q) => (q.state.data && isMoving(q.state.data) ? 1000 : false),
  });
  const put = (s: UpdateStatus) => queryClient.setQueryData(trpc.updates.status.queryKey(), s);
  /** The channel as chosen (null: as saved). */
  const [chosen, setChosen] = useState<UpdateChannelName | null>(null);
  const saving = useRef(false);
  const setChannel = useMutation(trpc.updates.setChannel.mutationOptions({ onSuccess: (s) => { put(s); setChosen(null); } }));
  const check = useMutation(trpc.updates.check.mutationOptions({ onSuccess: put }));
  const install = useMutation(trpc.updates.install.mutationOptions());

  if (status.isPending) return <Loader aria-label="Loading update status" />;
  if (status.isError) return <Alert color="red" title="Could not read the update status">{messageOf(status.error)}</Alert>;
  const s = status.data;
  const channel = chosen ?? s.channel;
  const words = describeUpdateState(s);
  const busy = s.state === 'checking' || s.state === 'downloading';
  return (
    <Stack maw={820}>
      <Title order={2}>Updates</Title>
      {s.note && <Alert color="gray" title={s.installs ? 'Updates' : 'This copy does not install updates'} data-testid="updates-note">{s.note}</Alert>}
      <Card withBorder>
        <Table>
          <Table.Tbody>
            <Table.Tr><Table.Th scope="row" w={200}>Installed version</Table.Th><Table.Td data-testid="updates-installed">{s.installed}</Table.Td></Table.Tr>
            <Table.Tr><Table.Th scope="row">Channel</Table.Th><Table.Td data-testid="updates-channel">{s.channel}</Table.Td></Table.Tr>
            <Table.Tr><Table.Th scope="row">Feed</Table.Th><Table.Td>{s.feedUrl ? <Code>{s.feedUrl}</Code> : 'none configured'}</Table.Td></Table.Tr>
            <Table.Tr><Table.Th scope="row">Last check</Table.Th><Table.Td data-testid="updates-checked-at">{s.checkedAt === null ? 'not since the app started' : formatDateTime(s.checkedAt)}</Table.Td></Table.Tr>
            {s.offered && <Table.Tr><Table.Th scope="row">Offered</Table.Th><Table.Td>{s.offered}{s.signedBy ? `, signed by ${s.signedBy}` : ''}</Table.Td></Table.Tr>}
          </Table.Tbody>
        </Table>
        <Alert mt="sm" color={TONE_COLOURS[words.tone]} data-testid="updates-state">{words.text}</Alert>
        {check.isError && <Alert mt="sm" color="red">Not checked: {messageOf(check.error)}</Alert>}
        {install.isError && <Alert mt="sm" color="red">Not installed: {messageOf(install.error)}</Alert>}
        <Group mt="sm">
          <Button onClick={() => check.mutate()} loading={check.isPending || s.state === 'checking'} disabled={busy}>Check now</Button>
          {s.installs && s.state === 'ready' && (
            <Button color="teal" onClick={() => { if (!install.isPending) install.mutate(); }} loading={install.isPending}>Install {s.offered} and restart</Button>
          )}
        </Group>
      </Card>
      <Card withBorder>
        <form
          noValidate
          onKeyDown={(e) => { if (e.key === 'Escape' && !setChannel.isPending) setChosen(null); }}
          onSubmit={(e) => {
            e.preventDefault();
            if (saving.current || channel === s.channel) return;
            saving.current = true;
            setChannel.mutateAsync({ channel }).catch(() => undefined).finally(() => (saving.current = false));
          }}
        >
          <Stack gap="xs">
            <Radio.Group label="Update channel" description="Which releases this workstation follows. Changing it forgets what the last check found." value={channel} onChange={(v) => setChosen(v as UpdateChannelName)}>
              <Stack gap={6} mt={6}>{UPDATE_CHANNELS.map((c) => <Radio key={c} value={c} label={CHANNEL_LABELS[c]} />)}</Stack>
            </Radio.Group>
            {setChannel.isError && <Alert color="red">Channel not changed: {messageOf(setChannel.error)}</Alert>}
            <Group>
              <Button type="submit" size="xs" loading={setChannel.isPending} disabled={channel === s.channel}>Save channel</Button>
              {chosen !== null && chosen !== s.channel && <Button size="xs" variant="subtle" onClick={() => setChosen(null)} disabled={setChannel.isPending}>Cancel</Button>}
            </Group>
          </Stack>
        </form>
      </Card>
      <Text size="xs" c="dimmed">The channel is a setting of this workstation (all clinics on it); the change is written to the workstation's log.</Text>
    </Stack>
  );
}
