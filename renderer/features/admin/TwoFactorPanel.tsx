import { useRef, useState } from 'react';
import { Alert, Button, Card, Checkbox, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { STAFF_ROLES, type StaffRole } from '../../../common/permissions';
import type { StaffMember } from '../../../common/records';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { ROLE_LABELS } from './roles';

/** The clinic's two-step sign-in policy: which roles must sign in with an authenticator code (IT admins, settings.manage). */
export function TwoFactorPolicyCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const policy = useQuery(trpc.staff.twoFactorPolicy.queryOptions());
  /** The boxes as ticked (null: as saved). */
  const [edited, setEdited] = useState<StaffRole[] | null>(null);
  const roles = edited ?? policy.data ?? null;
  const submitting = useRef(false);
  const save = useMutation(
    trpc.staff.setTwoFactorPolicy.mutationOptions({
      onSuccess: (saved) => {
        queryClient.setQueryData(trpc.staff.twoFactorPolicy.queryKey(), saved);
        setEdited(null);
      },
    }),
  );
  const changed = roles !== null && policy.data !== undefined && [...roles].sort().join() !== [...policy.data].sort().join();
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={4}>Two-step sign-in</Title>
        <Text size="sm" c="dimmed">
          Members with these roles sign in with a code from an authenticator app as well as their password, and set one up at their next sign-in. Anyone who has set one up always uses it.
        </Text>
        {policy.isError && <Alert color="red">{messageOf(policy.error)}</Alert>}
        {roles && (
          <Checkbox.Group label="Roles that sign in with two steps" value={roles} onChange={(v) => setEdited(v as StaffRole[])}>
            <Group>{STAFF_ROLES.map((r) => <Checkbox key={r} value={r} label={ROLE_LABELS[r]} />)}</Group>
          </Checkbox.Group>
        )}
        {save.isError && <Alert color="red">{messageOf(save.error)}</Alert>}
        <Group>
          <Button
            size="xs"
            loading={save.isPending}
            disabled={!changed}
            onClick={() => {
              if (!roles || submitting.current) return;
              submitting.current = true;
              save.mutateAsync({ roles }).catch(() => undefined).finally(() => (submitting.current = false));
            }}
          >
            Save policy
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** "Reset two-step sign-in" for a member who lost their phone: asks first; never on one's own account (the API refuses it too). */
export function ResetTwoFactorDialog({ member, onClose }: { member: StaffMember; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const submitting = useRef(false);
  const reset = useMutation(
    trpc.staff.resetTwoFactor.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries(trpc.staff.pathFilter());
        onClose();
      },
    }),
  );
  return (
    <Modal opened onClose={onClose} title={`Reset two-step sign-in of ${member.displayName}`}>
      <Stack>
        <Text size="sm">
          Their authenticator and recovery codes stop working and they are signed out everywhere. At their next sign-in they set up a new authenticator with their password. The audit log records that you did this.
        </Text>
        {reset.isError && <Alert color="red">{messageOf(reset.error)}</Alert>}
        <Group>
          <Button
            color="red"
            loading={reset.isPending}
            onClick={() => {
              if (submitting.current) return;
              submitting.current = true;
              reset.mutateAsync({ id: member.id }).catch(() => undefined).finally(() => (submitting.current = false));
            }}
          >
            Reset
          </Button>
          <Button variant="default" onClick={onClose}>Cancel</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
