import { useRef } from 'react';
import { Alert, Button, Card, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { enrolClinicInputSchema } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

/**
 * A clinic's name and its first IT administrator: at first run (nobody signed in), or — `another`
 * — a further clinic on this workstation, set up by a signed-in IT administrator.
 */
export function EnrolScreen({ onDone, onCancel, another = false }: { onDone(clinicId: string, name: string): void; onCancel?: () => void; another?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(enrolClinicInputSchema, { name: '', admin: { username: '', displayName: '', password: '' } });
  const options = {
    onSuccess: async (clinic: { id: string; name: string }) => {
      await queryClient.invalidateQueries(trpc.clinic.list.queryFilter());
      onDone(clinic.id, clinic.name);
    },
    onError: (error: Parameters<typeof form.showServerError>[0]) => form.showServerError(error),
  };
  const first = useMutation(trpc.clinic.enrol.mutationOptions(options));
  const further = useMutation(trpc.clinic.enrolAnother.mutationOptions(options));
  const enrol = another ? further : first;
  const submitting = useRef(false);
  const admin = form.values.admin;
  const setAdmin = (patch: Partial<typeof admin>) => form.set('admin', { ...admin, ...patch });
  return (
    <Card withBorder maw={480} mx="auto" mt="xl" p="xl">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.validate();
          // One clinic per submit: a second click while the first is being created does nothing
          // (the mutation's own pending state reaches the next render too late for a double click).
          if (!input || submitting.current) return;
          submitting.current = true;
          enrol
            .mutateAsync(input)
            .catch(() => undefined) // shown from enrol.error
            .finally(() => (submitting.current = false));
        }}
      >
        <Stack>
          <Title order={2}>{another ? 'Set up another clinic' : 'Set up this clinic'}</Title>
          <Text size="sm" c="dimmed">
            A new encryption key for the clinic's record is created and kept only in this computer's keychain. The first account is the clinic's IT administrator.
            {another && ' The new clinic has its own record, staff and audit log; its setting up is recorded in this clinic’s audit log and in its own.'}
          </Text>
          <TextInput label="Clinic name" required value={form.values.name} onChange={(e) => form.set('name', e.currentTarget.value)} error={form.errors['name']} data-autofocus />
          <TextInput label="Administrator user name" required value={admin.username} onChange={(e) => setAdmin({ username: e.currentTarget.value })} error={form.errors['admin.username']} />
          <TextInput label="Administrator full name" required value={admin.displayName} onChange={(e) => setAdmin({ displayName: e.currentTarget.value })} error={form.errors['admin.displayName']} />
          <PasswordInput label="Password (at least 12 characters)" required value={admin.password} onChange={(e) => setAdmin({ password: e.currentTarget.value })} error={form.errors['admin.password']} />
          {enrol.isError && <Alert color="red" title="The clinic could not be set up">{messageOf(enrol.error)}</Alert>}
          <Button type="submit" loading={enrol.isPending}>Create clinic</Button>
          {onCancel && <Button variant="subtle" onClick={onCancel}>{another ? 'Cancel' : 'Back to sign-in'}</Button>}
        </Stack>
      </form>
    </Card>
  );
}
