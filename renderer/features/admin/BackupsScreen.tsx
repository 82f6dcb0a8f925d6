import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Divider, FileInput, Group, Loader, Modal, NumberInput, PasswordInput, Progress, Radio, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { MIN_BACKUP_PASSWORD_LENGTH, type BackupScheduleView, type OperationProgress } from '../../../common/backups';
import { formatDateTime } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { useNow } from '../../lib/useNow';
import { sliceToBase64 } from '../scans/upload';

const PHASES: Record<OperationProgress['phase'], string> = { record: 'Record', scans: 'Scan files', verifying: 'Checking the backup', finishing: 'Finishing' };
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** What a backup holds as the clinic counts it: scans and incoming scans, then the files they are. */
export function heldText(c: { scans: number; incoming: number; scanFiles: number; unlinkedFiles: number }): string {
  const parts = [plural(c.scans, 'scan'), ...(c.incoming ? [plural(c.incoming, 'incoming scan')] : [])];
  const files = `${plural(c.scanFiles, 'encrypted file')}${c.unlinkedFiles ? `, ${c.unlinkedFiles} of no scan` : ''}`;
  return `${parts.join(' and ')} (${files})`;
}

export const HEALTH_WORDS: Record<BackupScheduleView['health'], { label: string; color: string }> = {
  ok: { label: 'Backed up', color: 'teal' },
  overdue: { label: 'Backup overdue', color: 'red' },
  never: { label: 'Never backed up', color: 'red' },
  failing: { label: 'Automatic backup failing', color: 'red' },
  'not-scheduled': { label: 'No automatic backups', color: 'yellow' },
};

/** Backups & keys (IT admins, backup.manage): make, download and restore backups; rotate the clinic key. */
export function BackupsScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.backup.list.queryOptions());
  const [progress, setProgress] = useState<OperationProgress | null>(null);
  // Automatic backups report here too: the bar goes when an operation has finished.
  useSubscription(trpc.backup.onProgress.subscriptionOptions(undefined, { onData: (p) => setProgress(p.phase === 'finishing' && p.total > 0 && p.done === p.total ? null : p) }));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const invalidate = () => void queryClient.invalidateQueries(trpc.backup.list.queryFilter());
  const make = useMutation(trpc.backup.export.mutationOptions({ onSuccess: () => { setPassword(''); setAgain(''); invalidate(); }, onSettled: () => setProgress(null) }));
  const download = useMutation({
    mutationFn: async (name: string) => {
      const { url } = await queryClient.fetchQuery(trpc.backup.downloadUrl.queryOptions({ name }, { staleTime: 0 }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
    },
  });

  // Restore
  const [source, setSource] = useState<'list' | 'upload'>('list');
  const [chosen, setChosen] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [restorePassword, setRestorePassword] = useState('');
  const [newName, setNewName] = useState('');
  const beginUpload = useMutation(trpc.backup.beginUpload.mutationOptions());
  const uploadChunk = useMutation(trpc.backup.uploadChunk.mutationOptions());
  const restoreMutation = useMutation(trpc.backup.restore.mutationOptions());
  const restore = useMutation({
    mutationFn: async () => {
      if (source === 'upload') {
        if (!file) throw new Error('Choose a backup file to upload.');
        const { uploadId, chunkBytes } = await beginUpload.mutateAsync({ size: file.size });
        for (let at = 0; at < file.size; at += chunkBytes) await uploadChunk.mutateAsync({ uploadId, offset: at, data: await sliceToBase64(file.slice(at, at + chunkBytes)) });
        return restoreMutation.mutateAsync({ uploadId, password: restorePassword, newClinicName: newName });
      }
      if (!chosen) throw new Error('Choose a backup from the list.');
      return restoreMutation.mutateAsync({ fileName: chosen, password: restorePassword, newClinicName: newName });
    },
    onSuccess: () => {
      setRestorePassword('');
      void queryClient.invalidateQueries(trpc.clinic.list.queryFilter());
    },
    onSettled: () => setProgress(null),
  });

  // Rotate
  const [confirming, setConfirming] = useState(false);
  const rotate = useMutation(trpc.backup.rotateKey.mutationOptions({ onSettled: () => { setConfirming(false); setProgress(null); } }));

  const submitBackup = () => {
    if ([...password].length < MIN_BACKUP_PASSWORD_LENGTH) return setFormError(`The password needs at least ${MIN_BACKUP_PASSWORD_LENGTH} characters.`);
    if (password !== again) return setFormError('The two passwords differ.');
    setFormError(null);
    make.mutate({ password });
  };

  return (
    <Stack>
      <Title order={2}>Backups &amp; keys</Title>
      {progress && (
        <Stack gap={4} data-testid="operation-progress">
          <Text size="sm">{PHASES[progress.phase]}: {progress.done} of {progress.total}</Text>
          <Progress value={progress.total ? (100 * progress.done) / progress.total : 0} />
        </Stack>
      )}

      <Title order={3}>Make a backup</Title>
      <Text size="sm" c="dimmed">One encrypted file holds the clinic record and every scan file. Keep the password safe: without it the backup cannot be opened.</Text>
      <form noValidate onSubmit={(e) => { e.preventDefault(); submitBackup(); }}>
        <Stack maw={420}>
          <PasswordInput label={`Backup password (at least ${MIN_BACKUP_PASSWORD_LENGTH} characters)`} value={password} onChange={(e) => setPassword(e.currentTarget.value)} required />
          <PasswordInput label="Backup password again" value={again} onChange={(e) => setAgain(e.currentTarget.value)} required />
          {formError && <Alert color="red">{formError}</Alert>}
          {make.isError && <Alert color="red">{messageOf(make.error)}</Alert>}
          {make.isSuccess && <Alert color="teal" data-testid="backup-made">Backup {make.data.name} written ({mb(make.data.bytes)}): {heldText(make.data)}.</Alert>}
          <Button type="submit" loading={make.isPending}>Make a backup</Button>
        </Stack>
      </form>

      <Title order={3}>Backups on this workstation</Title>
      {list.isPending ? <Loader /> : list.isError ? <Alert color="red">{messageOf(list.error)}</Alert> : list.data.length === 0 ? <Text size="sm">No backups yet.</Text> : (
        <Table data-testid="backup-list">
          <Table.Thead><Table.Tr><Table.Th>File</Table.Th><Table.Th>Made</Table.Th><Table.Th>Size</Table.Th><Table.Th>Holds</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {list.data.map((b) => (
              <Table.Tr key={b.name}>
                <Table.Td>{b.name}</Table.Td>
                <Table.Td>{formatDateTime(b.createdAt)}</Table.Td>
                <Table.Td>{mb(b.bytes)}</Table.Td>
                <Table.Td>{heldText(b)}</Table.Td>
                <Table.Td><Button size="xs" variant="default" onClick={() => download.mutate(b.name)} aria-label={`Download ${b.name}`}>Download</Button></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {download.isError && <Alert color="red">{messageOf(download.error)}</Alert>}

      <Divider />
      <AutomaticBackups />

      <Divider />
      <Title order={3}>Restore into a new clinic</Title>
      <Text size="sm" c="dimmed">The backup becomes a NEW clinic on this workstation, with its own key; this clinic is not changed. Its staff sign in there with their own passwords.</Text>
      <form noValidate onSubmit={(e) => { e.preventDefault(); restore.mutate(); }}>
        <Stack maw={520}>
          <Radio.Group label="Backup" value={source} onChange={(v) => setSource(v as 'list' | 'upload')}>
            <Group mt="xs"><Radio value="list" label="From the list" /><Radio value="upload" label="Upload a file" /></Group>
          </Radio.Group>
          {source === 'list' ? (
            <Radio.Group label="Choose a backup" value={chosen ?? ''} onChange={setChosen}>
              <Stack mt="xs" gap={4}>{(list.data ?? []).map((b) => <Radio key={b.name} value={b.name} label={b.name} />)}</Stack>
            </Radio.Group>
          ) : (
            <FileInput label="Backup file (.cwbackup)" value={file} onChange={setFile} accept=".cwbackup" clearable />
          )}
          <PasswordInput label="Password of this backup" value={restorePassword} onChange={(e) => setRestorePassword(e.currentTarget.value)} required />
          <TextInput label="Name of the restored clinic" value={newName} onChange={(e) => setNewName(e.currentTarget.value)} required />
          {restore.isError && <Alert color="red" data-testid="restore-error">{messageOf(restore.error)}</Alert>}
          {restore.isSuccess && <Alert color="teal" data-testid="restore-done">Restored as “{restore.data.name}” with {heldText(restore.data)}. Sign out and choose it at sign-in.</Alert>}
          <Button type="submit" loading={restore.isPending}>Restore</Button>
        </Stack>
      </form>

      <Divider />
      <Title order={3}>Clinic key</Title>
      <Text size="sm" c="dimmed">Rotating the key re-encrypts the record and every scan file with a new key from the keychain. Nothing is lost, even if the app stops in the middle; backups stay valid (they use their own password).</Text>
      <Group>
        <Button color="orange" onClick={() => setConfirming(true)}>Rotate the clinic key</Button>
      </Group>
      {rotate.isError && <Alert color="red">{messageOf(rotate.error)}</Alert>}
      {rotate.isSuccess && <Alert color="teal" data-testid="rotate-done">The clinic key was rotated ({rotate.data.scanFiles} scan files re-encrypted).</Alert>}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title="Rotate the clinic key?">
        <Stack>
          <Text size="sm">The record and all scan files are re-encrypted now. Scan imports must not be running.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>Cancel</Button>
            <Button color="orange" loading={rotate.isPending} onClick={() => rotate.mutate({ confirm: true })} data-autofocus>Rotate now</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

/** Automatic backups into a folder IT chooses (a mounted network share), with how many to keep. */
function AutomaticBackups() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const schedule = useQuery(trpc.backup.schedule.queryOptions());
  const refresh = () => void queryClient.invalidateQueries(trpc.backup.schedule.queryFilter());
  const save = useMutation(trpc.backup.setSchedule.mutationOptions({ onSuccess: () => { setPassword(''); setAgain(''); refresh(); } }));
  const runNow = useMutation(trpc.backup.runScheduleNow.mutationOptions({ onSuccess: refresh }));
  const policy = schedule.data?.policy;
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [folder, setFolder] = useState<string | null>(null);
  const [everyHours, setEveryHours] = useState<number | string | null>(null);
  const [keep, setKeep] = useState<number | string | null>(null);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const now = useNow(60_000);
  if (schedule.isPending) return <Loader />;
  if (schedule.isError) return <Alert color="red">{messageOf(schedule.error)}</Alert>;
  const view = schedule.data;
  const values = { enabled: enabled ?? policy?.enabled ?? true, folder: folder ?? policy?.folder ?? '', everyHours: everyHours ?? policy?.everyHours ?? 24, keep: keep ?? policy?.keep ?? 14 };
  const health = HEALTH_WORDS[view.health];
  const submit = () => {
    if (save.isPending) return;
    if (values.enabled && !values.folder.trim()) return setFormError('Choose the folder the backups go to.');
    if (typeof values.everyHours !== 'number' || typeof values.keep !== 'number') return setFormError('Give how often, and how many backups to keep, as numbers.');
    if (password || !view.passwordStored) {
      if (values.enabled && [...password].length < MIN_BACKUP_PASSWORD_LENGTH) return setFormError(`The backup password needs at least ${MIN_BACKUP_PASSWORD_LENGTH} characters.`);
      if (password !== again) return setFormError('The two passwords differ.');
    }
    setFormError(null);
    save.mutate({ enabled: values.enabled, folder: values.folder.trim(), everyHours: values.everyHours, keep: values.keep, ...(password ? { password } : {}) });
  };
  return (
    <Stack data-testid="automatic-backups">
      <Group justify="space-between">
        <Title order={3}>Automatic backups</Title>
        <Badge color={health.color} variant="light" data-testid="backup-health">{health.label}</Badge>
      </Group>
      <Text size="sm" c="dimmed">While this workstation runs, a backup is made every few hours into a folder you choose — a network share mounted here is best, so a backup survives the loss of this computer. Only the newest are kept there.</Text>
      <Stack gap={2} data-testid="backup-schedule-status">
        <Text size="sm">Last good backup: {view.lastGoodAt ? formatDateTime(view.lastGoodAt) : 'none yet'}{view.status.lastFile ? ` (automatic: ${view.status.lastFile})` : ''}</Text>
        {view.nextDueAt && <Text size="sm">Next automatic backup: {view.nextDueAt <= now ? 'due now' : formatDateTime(view.nextDueAt)}</Text>}
        {view.status.lastError && <Alert color="red" title="The last automatic backup failed" data-testid="backup-schedule-error">{view.status.lastError.message}</Alert>}
      </Stack>
      <form noValidate onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <Stack maw={560}>
          <Checkbox label="Make backups automatically" checked={values.enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <TextInput label="Folder" description="A full path on this workstation, e.g. a mounted share: /mnt/clinic-share/backups" value={values.folder} onChange={(e) => setFolder(e.currentTarget.value)} disabled={!values.enabled} />
          <Group grow>
            <NumberInput label="Every (hours)" min={1} max={168} value={values.everyHours} onChange={setEveryHours} disabled={!values.enabled} />
            <NumberInput label="Keep the newest" min={1} max={365} value={values.keep} onChange={setKeep} disabled={!values.enabled} />
          </Group>
          {values.enabled && (
            <>
              <PasswordInput label={view.passwordStored ? 'New password for automatic backups (leave empty to keep it)' : `Password for automatic backups (at least ${MIN_BACKUP_PASSWORD_LENGTH} characters)`} value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
              <PasswordInput label="Password for automatic backups again" value={again} onChange={(e) => setAgain(e.currentTarget.value)} />
              <Text size="xs" c="dimmed">The password is kept in this workstation's keychain so backups can run unattended. Keep a copy somewhere safe: without it no backup can be restored.</Text>
            </>
          )}
          {formError && <Alert color="red">{formError}</Alert>}
          {save.isError && <Alert color="red" data-testid="backup-schedule-save-error">{messageOf(save.error)}</Alert>}
          {save.isSuccess && <Text size="sm" c="teal" data-testid="backup-schedule-saved">{save.data.policy?.enabled ? 'Saved: automatic backups are on.' : 'Saved: automatic backups are off.'}</Text>}
          <Group>
            <Button type="submit" loading={save.isPending}>Save schedule</Button>
            {policy?.enabled && <Button variant="default" loading={runNow.isPending} onClick={() => !runNow.isPending && runNow.mutate()}>Back up to the folder now</Button>}
          </Group>
          {runNow.isError && <Alert color="red">{messageOf(runNow.error)}</Alert>}
        </Stack>
      </form>
    </Stack>
  );
}
