import { useRef, useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Loader, Modal, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { seesPatientData, STAFF_ROLES, type StaffRole } from '../../../common/permissions';
import type { StaffMember } from '../../../common/records';
import { staffInputSchema } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

export const ROLE_LABELS: Record<StaffRole, string> = { nurse: 'Nurse', doctor: 'Doctor', manager: 'Clinic manager', 'it-admin': 'IT administrator' };

/**
 * A member's roles. On one's OWN account, a role that sees patient data (nurse, doctor, clinic
 * manager) that one does not hold already cannot be ticked: the workstation refuses self-granted
 * clinical access (separation of duties) and records the attempt; another IT administrator grants it.
 */
function RolesDialog({ member, isSelf, onClose }: { member: StaffMember; isSelf: boolean; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [roles, setRoles] = useState<StaffRole[]>(member.roles);
  const submitting = useRef(false); // a double click sends one change, not two
  const save = useMutation(
    trpc.staff.update.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries(trpc.staff.pathFilter());
        void queryClient.invalidateQueries(trpc.auth.me.queryFilter());
        onClose();
      },
    }),
  );
  const locked = (r: StaffRole) => isSelf && seesPatientData(r) && !member.roles.includes(r);
  return (
    <Modal opened onClose={onClose} title={`Roles of ${member.displayName}`}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (submitting.current) return;
          submitting.current = true;
          save
            .mutateAsync({ id: member.id, patch: { roles } })
            .catch(() => undefined) // shown from save.error
            .finally(() => (submitting.current = false));
        }}
      >
        <Stack>
          <Checkbox.Group label="Roles" value={roles} onChange={(v) => setRoles(v as StaffRole[])} error={roles.length === 0 ? 'Choose at least one role' : undefined}>
            <Stack mt="xs" gap="xs">
              {STAFF_ROLES.map((r) => <Checkbox key={r} value={r} label={ROLE_LABELS[r]} disabled={locked(r)} />)}
            </Stack>
          </Checkbox.Group>
          {isSelf && (
            <Text size="sm" c="dimmed" data-testid="self-grant-note">
              You cannot give your own account a role that sees patient data (nurse, doctor, clinic manager): another IT administrator must, and the audit log records who did. Attempts are recorded too.
            </Text>
          )}
          {save.isError && <Alert color="red">{messageOf(save.error)}</Alert>}
          <Group>
            <Button type="submit" loading={save.isPending} disabled={roles.length === 0}>Save roles</Button>
            <Button variant="default" onClick={onClose}>Cancel</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function StaffScreen({ meId }: { meId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const staff = useQuery(trpc.staff.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<StaffMember | null>(null);
  const [now] = useState(() => Date.now());
  const form = useZodForm(staffInputSchema, { username: '', displayName: '', password: '', roles: ['nurse'] });
  const invalidate = () => void queryClient.invalidateQueries(trpc.staff.pathFilter());
  const create = useMutation(trpc.staff.create.mutationOptions({ onSuccess: () => { setCreating(false); form.reset({ username: '', displayName: '', password: '', roles: ['nurse'] }); invalidate(); }, onError: (e) => form.showServerError(e) }));
  const disable = useMutation(trpc.staff.disable.mutationOptions({ onSuccess: invalidate }));
  const enable = useMutation(trpc.staff.enable.mutationOptions({ onSuccess: invalidate }));
  const roles = form.values.roles ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Staff</Title>
        <Button onClick={() => setCreating(true)}>Add staff member</Button>
      </Group>
      {staff.isPending ? <Loader /> : staff.isError ? <Alert color="red">{messageOf(staff.error)}</Alert> : (
        <Table data-testid="staff-list">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>User name</Table.Th><Table.Th>Roles</Table.Th><Table.Th>Status</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {staff.data.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.displayName}</Table.Td>
                <Table.Td>{s.username}</Table.Td>
                <Table.Td><Group gap={4}>{s.roles.map((r) => <Badge key={r} variant="light">{ROLE_LABELS[r]}</Badge>)}</Group></Table.Td>
                <Table.Td>{s.disabled ? 'disabled' : s.lockedUntil && s.lockedUntil > now ? 'locked out' : 'active'}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Button size="xs" variant="default" onClick={() => setEditing(s)} aria-label={`Edit roles of ${s.displayName}`}>Roles</Button>
                    {s.disabled ? <Button size="xs" variant="default" onClick={() => enable.mutate({ id: s.id })}>Enable</Button> : <Button size="xs" variant="default" color="red" onClick={() => disable.mutate({ id: s.id })}>Disable</Button>}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editing && <RolesDialog key={editing.id} member={editing} isSelf={editing.id === meId} onClose={() => setEditing(null)} />}
      <Modal opened={creating} onClose={() => setCreating(false)} title="Add staff member">
        <form noValidate onSubmit={(e) => { e.preventDefault(); const input = form.validate(); if (input) create.mutate(input); }}>
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
