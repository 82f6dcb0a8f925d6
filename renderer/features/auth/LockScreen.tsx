import { useState } from 'react';
import { Alert, Button, Card, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';

/** Shown when the session locked (idle time, "Lock", OS lock or suspend): only the same member unlocks. */
export function LockScreen({ name }: { name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const unlock = useMutation(trpc.auth.unlock.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries() }));
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSettled: () => void queryClient.invalidateQueries() }));
  return (
    <Card withBorder maw={420} mx="auto" mt="xl" p="xl">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          unlock.mutate({ password });
          setPassword('');
        }}
      >
        <Stack>
          <Title order={2}>Locked</Title>
          <Text>Signed in as {name}. Enter your password to continue.</Text>
          <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} data-autofocus required />
          {unlock.isError && <Alert color="red">{messageOf(unlock.error)}</Alert>}
          <Button type="submit" loading={unlock.isPending}>Unlock</Button>
          <Button variant="subtle" onClick={() => logout.mutate()}>Sign out</Button>
        </Stack>
      </form>
    </Card>
  );
}
