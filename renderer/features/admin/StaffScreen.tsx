import { useRef, useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { seesPatientData, STAFF_ROLES, type StaffRole } from '../../../common/permissions';
import { staffInputSchema, type StaffMember } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

export const ROLE_LABELS: Record<StaffRole, string> = { nurse: 'Nurse', doctor: 'Doctor', manager: 'Clinic manager', 'it-admin': 'IT administrator' };

const sameRoles = (a: readonly StaffRole[], b: readonly StaffRole[]) => [...a].sort().join() === [...b].sort().join();

/**
 * Staff (IT admins): add, edit name and roles, disable (asks first) and enable. The service refuses
 * to disable or demote the last active IT admin. A change to your own account is confirmed in a
 * separate step, and on your own row a role that sees patient data cannot be ticked (another IT
 * administrator grants it; the API refuses and audits a self-grant). A change of roles reaches the
 * member's open session at once.
 */
export function StaffScreen({ meId }: { meId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const staff = useQuery(trpc.staff.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<StaffMember | null>(null);
  const [disabling, setDisabling] = useState<StaffMember | null>(null);
  const [now] = useState(() => Date.now());
  const form = useZodForm(staffInputSchema, { username: '', displayName: '', password: '', roles: ['nurse'] });
  const invalidate = () => {
    void queryClient.invalidateQueries(trpc.staff.pathFilter());
    // A change to your own account (roles, disabling) changes what you may do: the shell reads who is signed in again.
    void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
  };
  const create = useMutation(trpc.staff.create.mutationOptions({ onSuccess: () => { setCreating(false); form.reset({ username: '', displayName: '', password: '', roles: ['nurse'] }); invalidate(); }, onError: (e) => form.showServerError(e) }));
  const disable = useMutation(trpc.staff.disable.mutationOptions({ onSuccess: () => { setDisabling(null); invalidate(); } }));
  const enable = useMutation(trpc.staff.enable.mutationOptions({ onSuccess: invalidate }));
  /** One request per click however fast the clicks come (react-query's pending state arrives a macrotask later). */
  const sending = useRef(false);
  const once = (send: () => Promise<unknown>) => {
    if (sending.current) return;
    sending.current = true;
    send()
      .catch(() => undefined) // shown from the mutation's error
      .finally(() => (sending.current = false));
  };
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
                <Table.Td>{s.displayName}{s.id === meId && <Text span c="dimmed" size="sm"> (you)</Text>}</Table.Td>
                <Table.Td>{s.username}</Table.Td>
                <Table.Td><Group gap={4}>{s.roles.map((r) => <Badge key={r} variant="light">{ROLE_LABELS[r]}</Badge>)}</Group></Table.Td>
                <Table.Td>{s.disabled ? 'disabled' : s.lockedUntil && s.lockedUntil > now ? 'locked out' : 'active'}</Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button size="xs" variant="default" onClick={() => setEditing(s)} aria-label={`Edit ${s.displayName}`}>Edit</Button>
                    {s.disabled ? (
                      <Button size="xs" variant="default" loading={enable.isPending && enable.variables?.id === s.id} onClick={() => once(() => enable.mutateAsync({ id: s.id }))} aria-label={`Enable ${s.displayName}`}>Enable</Button>
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

      <Modal opened={disabling !== null} onClose={() => setDisabling(null)} title={disabling?.id === meId ? 'Disable your own account?' : 'Disable this account?'}>
        {disabling && (
          <Stack>
            {disabling.id === meId ? (
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
                <Button color="red" loading={disable.isPending} onClick={() => once(() => disable.mutateAsync({ id: disabling.id, confirmSelf: disabling.id === meId }))}>
                  {disabling.id === meId ? 'Disable my account' : 'Disable'}
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </Modal>

      {editing && <EditStaffDialog key={editing.id} member={editing} self={editing.id === meId} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); invalidate(); }} />}

      <Modal opened={creating} onClose={() => setCreating(false)} title="Add staff member">
        <form noValidate onSubmit={(e) => { e.preventDefault(); const input = form.validate(); if (input) once(() => create.mutateAsync(input)); }}>
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

/**
 * Name and roles of one member. On your own account: a role that sees patient data (nurse, doctor,
 * clinic manager) that you do not hold already cannot be ticked (separation of duties: another IT
 * administrator grants it, and the audit log records who did), and Save first asks you to confirm.
 */
function EditStaffDialog({ member, self, onClose, onSaved }: { member: StaffMember; self: boolean; onClose: () => void; onSaved: () => void }) {
  const trpc = useTRPC();
  const [displayName, setDisplayName] = useState(member.displayName);
  const [roles, setRoles] = useState<StaffRole[]>(member.roles);
  const [confirming, setConfirming] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const submitting = useRef(false); // a double click sends one change, not two
  const update = useMutation(trpc.staff.update.mutationOptions({ onSuccess: onSaved }));
  const save = (confirmSelf: boolean) => {
    if (submitting.current) return;
    submitting.current = true;
    update
      .mutateAsync({ id: member.id, patch: { displayName: displayName.trim(), roles }, confirmSelf })
      .catch(() => undefined) // shown from update.error
      .finally(() => (submitting.current = false));
  };
  const locked = (r: StaffRole) => self && seesPatientData(r) && !member.roles.includes(r);
  const rolesChange = !sameRoles(roles, member.roles);
  return (
    <Modal opened onClose={onClose} title={self ? 'Edit your own account' : `Edit ${member.displayName}`}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!displayName.trim()) return setFieldError('Enter the name');
          if (roles.length === 0) return setFieldError('Choose at least one role');
          setFieldError(null);
          if (!rolesChange && displayName.trim() === member.displayName) return onClose(); // nothing to change
          if (self) return setConfirming(true);
          save(false);
        }}
      >
        <Stack>
          <TextInput label="Full name" required value={displayName} onChange={(e) => { setDisplayName(e.currentTarget.value); setConfirming(false); }} disabled={confirming} data-autofocus />
          <Checkbox.Group label="Roles" value={roles} onChange={(v) => { setRoles(v as StaffRole[]); setConfirming(false); }} error={fieldError}>
            <Group mt="xs">{STAFF_ROLES.map((r) => <Checkbox key={r} value={r} label={ROLE_LABELS[r]} disabled={confirming || locked(r)} />)}</Group>
          </Checkbox.Group>
          {self && (
            <Text size="sm" c="dimmed" data-testid="self-grant-note">
              You cannot give your own account a role that sees patient data (nurse, doctor, clinic manager): another IT administrator must, and the audit log records who did. Attempts are recorded too.
            </Text>
          )}
          {update.isError && <Alert color="red" title="Nothing was changed" data-testid="staff-error">{messageOf(update.error)}</Alert>}
          {confirming ? (
            // A separate step, away from Save: a double-click on Save cannot confirm it.
            <Alert color="orange" title="This is your own account" data-testid="self-change-warning">
              <Stack gap="xs">
                <Text size="sm">
                  {rolesChange
                    ? `Your roles become: ${roles.map((r) => ROLE_LABELS[r]).join(', ')}, at once, in every window you are signed in to${roles.includes('it-admin') ? '' : '; without IT administrator you can no longer manage staff, backups or keys'}.`
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
