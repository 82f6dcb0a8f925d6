import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { STAFF_ROLES, type StaffRole } from '../../../common/permissions';
import { staffInputSchema, type StaffMember } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

export const ROLE_LABELS: Record<StaffRole, string> = { nurse: 'Nurse', doctor: 'Doctor', manager: 'Clinic manager', 'it-admin': 'IT administrator' };

/**
 * Staff (IT admins): add, edit name and roles, disable and enable. The service refuses to disable
 * or demote the last active IT admin; a change to your own account asks you to confirm it first.
 */
export function StaffScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const staff = useQuery(trpc.staff.list.queryOptions());
  const me = useQuery(trpc.auth.me.queryOptions());
  const myId = me.data?.staff.id ?? null;
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<StaffMember | null>(null);
  const [disabling, setDisabling] = useState<StaffMember | null>(null);
  const [now] = useState(() => Date.now());
  const form = useZodForm(staffInputSchema, { username: '', displayName: '', password: '', roles: ['nurse'] });
  const invalidate = () => {
    void queryClient.invalidateQueries(trpc.staff.pathFilter());
    // Disabling or demoting yourself ends your session: the shell reads who is signed in again.
    void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
  };
  const create = useMutation(trpc.staff.create.mutationOptions({ onSuccess: () => { setCreating(false); form.reset({ username: '', displayName: '', password: '', roles: ['nurse'] }); invalidate(); }, onError: (e) => form.showServerError(e) }));
  const disable = useMutation(trpc.staff.disable.mutationOptions({ onSuccess: () => { setDisabling(null); invalidate(); } }));
  const enable = useMutation(trpc.staff.enable.mutationOptions({ onSuccess: invalidate }));
  const roles = form.values.roles ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Staff</Title>
        <Button onClick={() => setCreating(true)}>Add staff member</Button>
      </Group>
      {enable.isError && <Alert color="red" title="The account was not enabled">{messageOf(enable.error)}</Alert>}
      {staff.isPending ? <Loader /> : staff.isError ? <Alert color="red">{messageOf(staff.error)}</Alert> : (
        <Table data-testid="staff-list">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>User name</Table.Th><Table.Th>Roles</Table.Th><Table.Th>Status</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {staff.data.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.displayName}{s.id === myId && <Text span c="dimmed" size="sm"> (you)</Text>}</Table.Td>
                <Table.Td>{s.username}</Table.Td>
                <Table.Td><Group gap={4}>{s.roles.map((r) => <Badge key={r} variant="light">{ROLE_LABELS[r]}</Badge>)}</Group></Table.Td>
                <Table.Td>{s.disabled ? 'disabled' : s.lockedUntil && s.lockedUntil > now ? 'locked out' : 'active'}</Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="default" onClick={() => setEditing(s)} aria-label={`Edit ${s.displayName}`}>Edit</Button>
                    {s.disabled ? (
                      <Button size="xs" variant="default" loading={enable.isPending && enable.variables?.id === s.id} onClick={() => !enable.isPending && enable.mutate({ id: s.id })} aria-label={`Enable ${s.displayName}`}>Enable</Button>
                    ) : (
                      <Button size="xs" variant="default" color="red" onClick={() => { disable.reset(); setDisabling(s); }} aria-label={`Disable ${s.displayName}`}>Disable</Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}

      <Modal opened={disabling !== null} onClose={() => setDisabling(null)} title={disabling?.id === myId ? 'Disable your own account?' : 'Disable this account?'}>
        {disabling && (
          <Stack>
            {disabling.id === myId ? (
              <Alert color="orange" title="This is your own account" data-testid="self-change-warning">
                You are signed out at once and cannot sign in again until another IT administrator enables the account.
              </Alert>
            ) : (
              <Text size="sm">{disabling.displayName} ({disabling.username}) is signed out at once and cannot sign in until the account is enabled again.</Text>
            )}
            {disable.isError && <Alert color="red" title="The account was not disabled" data-testid="staff-error">{messageOf(disable.error)}</Alert>}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setDisabling(null)}>{disable.isError ? 'Close' : 'Keep it active'}</Button>
              {!disable.isError && (
                <Button color="red" loading={disable.isPending} onClick={() => !disable.isPending && disable.mutate({ id: disabling.id, confirmSelf: disabling.id === myId })}>
                  {disabling.id === myId ? 'Disable my account' : 'Disable'}
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </Modal>

      {editing && <EditStaffDialog key={editing.id} member={editing} self={editing.id === myId} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); invalidate(); }} />}

      <Modal opened={creating} onClose={() => setCreating(false)} title="Add staff member">
        <form noValidate onSubmit={(e) => { e.preventDefault(); const input = form.validate(); if (input && !create.isPending) create.mutate(input); }}>
          <Stack>
            <TextInput label="User name" required value={form.values.username} onChange={(e) => form.set('username', e.currentTarget.value)} error={form.errors['username']} data-autofocus />
            <TextInput label="Full name" required value={form.values.displayName} onChange={(e) => form.set('displayName', e.currentTarget.value)} error={form.errors['displayName']} />
            <PasswordInput label="Initial password (at least 12 characters)" required value={form.values.password} onChange={(e) => form.set('password', e.currentTarget.value)} error={form.errors['password']} />
            <Checkbox.Group label="Roles" value={roles} onChange={(v) => form.set('roles', v as StaffRole[])} error={form.errors['roles']}>
              <Group mt="xs">{STAFF_ROLES.map((r) => <Checkbox key={r} value={r} label={ROLE_LABELS[r]} />)}</Group>
            </Checkbox.Group>
            {create.isError && <Alert color="red">{messageOf(create.error)}</Alert>}
            <Button type="submit" loading={create.isPending}>Add</Button>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}

/** Name and roles of one member. On your own account Save first asks you to confirm. */
function EditStaffDialog({ member, self, onClose, onSaved }: { member: StaffMember; self: boolean; onClose: () => void; onSaved: () => void }) {
  const trpc = useTRPC();
  const [displayName, setDisplayName] = useState(member.displayName);
  const [roles, setRoles] = useState<StaffRole[]>(member.roles);
  const [confirming, setConfirming] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const update = useMutation(trpc.staff.update.mutationOptions({ onSuccess: onSaved }));
  const save = (confirmSelf: boolean) => {
    if (update.isPending) return;
    update.mutate({ id: member.id, patch: { displayName: displayName.trim(), roles }, confirmSelf });
  };
  return (
    <Modal opened onClose={onClose} title={self ? 'Edit your own account' : `Edit ${member.displayName}`}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!displayName.trim()) return setFieldError('Enter the name');
          if (roles.length === 0) return setFieldError('Choose at least one role');
          setFieldError(null);
          if (self) return setConfirming(true);
          save(false);
        }}
      >
        <Stack>
          <TextInput label="Full name" required value={displayName} onChange={(e) => { setDisplayName(e.currentTarget.value); setConfirming(false); }} disabled={confirming} data-autofocus />
          <Checkbox.Group label="Roles" value={roles} onChange={(v) => { setRoles(v as StaffRole[]); setConfirming(false); }} error={fieldError}>
            <Group mt="xs">{STAFF_ROLES.map((r) => <Checkbox key={r} value={r} label={ROLE_LABELS[r]} disabled={confirming} />)}</Group>
          </Checkbox.Group>
          {update.isError && <Alert color="red" title="Nothing was changed" data-testid="staff-error">{messageOf(update.error)}</Alert>}
          {confirming ? (
            // A separate step, away from Save: a double-click on Save cannot confirm it.
            <Alert color="orange" title="This is your own account" data-testid="self-change-warning">
              <Stack gap="xs">
                <Text size="sm">
                  {[...roles].sort().join() !== [...member.roles].sort().join()
                    ? `Your roles become: ${roles.map((r) => ROLE_LABELS[r]).join(', ')}. You are signed out and sign in again with them${roles.includes('it-admin') ? '' : '; without IT administrator you can no longer manage staff, backups or keys'}.`
                    : 'Your name changes as shown.'}
                </Text>
                <Group>
                  {!update.isError && <Button color="orange" loading={update.isPending} onClick={() => save(true)}>Change my account</Button>}
                  <Button variant="default" onClick={() => { setConfirming(false); update.reset(); }}>Back</Button>
                </Group>
              </Stack>
            </Alert>
          ) : (
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>Cancel</Button>
              <Button type="submit" loading={update.isPending}>Save</Button>
            </Group>
          )}
        </Stack>
      </form>
    </Modal>
  );
}
