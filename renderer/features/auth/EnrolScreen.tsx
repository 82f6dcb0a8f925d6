import { Alert, Button, Card, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { enrolClinicInputSchema } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

/** First run: the clinic's name and its first IT administrator. */
export function EnrolScreen({ onDone, onCancel }: { onDone(clinicId: string): void; onCancel?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(enrolClinicInputSchema, { name: '', admin: { username: '', displayName: '', password: '' } });
  const enrol = useMutation(
    trpc.clinic.enrol.mutationOptions({
      onSuccess: async (clinic) => {
        await queryClient.invalidateQueries(trpc.clinic.list.queryFilter());
        onDone(clinic.id);
      },
      onError: (error) => form.showServerError(error),
    }),
  );
  const admin = form.values.admin;
  const setAdmin = (patch: Partial<typeof admin>) => form.set('admin', { ...admin, ...patch });
  return (
    <Card withBorder maw={480} mx="auto" mt="xl" p="xl">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const input = form.validate();
          if (input) enrol.mutate(input);
        }}
      >
        <Stack>
          <Title order={2}>Set up this clinic</Title>
          <Text size="sm" c="dimmed">
            A new encryption key for the clinic's record is created and kept only in this computer's keychain. The first account is the clinic's IT administrator.
          </Text>
          <TextInput label="Clinic name" required value={form.values.name} onChange={(e) => form.set('name', e.currentTarget.value)} error={form.errors['name']} data-autofocus />
          <TextInput label="Administrator user name" required value={admin.username} onChange={(e) => setAdmin({ username: e.currentTarget.value })} error={form.errors['admin.username']} />
          <TextInput label="Administrator full name" required value={admin.displayName} onChange={(e) => setAdmin({ displayName: e.currentTarget.value })} error={form.errors['admin.displayName']} />
          <PasswordInput label="Password (at least 12 characters)" required value={admin.password} onChange={(e) => setAdmin({ password: e.currentTarget.value })} error={form.errors['admin.password']} />
          {enrol.isError && <Alert color="red" title="The clinic could not be set up">{messageOf(enrol.error)}</Alert>}
          <Button type="submit" loading={enrol.isPending}>Create clinic</Button>
          {onCancel && <Button variant="subtle" onClick={onCancel}>Back to sign-in</Button>}
        </Stack>
      </form>
    </Card>
  );
}
