import { useState } from 'react';
import { Alert, Button, Card, Loader, PasswordInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { EnrolScreen } from './EnrolScreen';

export function SignInScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const clinics = useQuery(trpc.clinic.list.queryOptions());
  const [clinicId, setClinicId] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: () => {
        setPassword('');
        void queryClient.invalidateQueries();
      },
    }),
  );

  if (clinics.isPending) return <Loader aria-label="Loading clinics" m="xl" />;
  if (clinics.isError) return <Alert color="red" m="xl" title="The workstation service is not reachable">{messageOf(clinics.error)}</Alert>;
  // First run only: once a clinic exists, only a signed-in IT administrator sets up another (Clinics screen).
  if (clinics.data.length === 0) return <EnrolScreen onDone={(id) => setClinicId(id)} />;
  const selected = clinicId ?? (clinics.data.length === 1 ? clinics.data[0]!.id : null);
  return (
    <Card withBorder maw={420} mx="auto" mt="xl" p="xl">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (selected) login.mutate({ clinicId: selected, username, password });
        }}
      >
        <Stack>
          <Title order={2}>Sign in</Title>
          <Select label="Clinic" data={clinics.data.map((c) => ({ value: c.id, label: c.name }))} value={selected} onChange={setClinicId} allowDeselect={false} required />
          <TextInput label="User name" value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="username" required data-autofocus />
          <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required />
          {login.isError && <Alert color="red">{messageOf(login.error)}</Alert>}
          <Button type="submit" loading={login.isPending} disabled={!selected}>Sign in</Button>
        </Stack>
      </form>
    </Card>
  );
}
