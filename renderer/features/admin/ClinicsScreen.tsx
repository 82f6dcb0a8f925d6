import { useEffect, useState } from 'react';
import { Alert, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { EnrolScreen } from '../auth/EnrolScreen';

/** Clinics on this workstation (IT admins, clinics.enrol): the list, and setting up another one. */
export function ClinicsScreen({ currentClinicId }: { currentClinicId: string }) {
  const trpc = useTRPC();
  const clinics = useQuery(trpc.clinic.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  useEffect(() => {
    if (!adding) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setAdding(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [adding]);
  if (adding) {
    return (
      <EnrolScreen
        another
        onCancel={() => setAdding(false)}
        onDone={(_id, name) => {
          setAdded(name);
          setAdding(false);
        }}
      />
    );
  }
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Clinics on this workstation</Title>
        <Button onClick={() => { setAdded(null); setAdding(true); }}>Set up another clinic</Button>
      </Group>
      <Text size="sm" c="dimmed">Each clinic has its own encrypted record, staff, wound model and audit log. Only an IT administrator signed in here can set up another one.</Text>
      {added && <Alert color="teal" data-testid="clinic-added">{added} is set up. Its IT administrator signs in to it from the sign-in screen.</Alert>}
      {clinics.isPending ? <Loader /> : clinics.isError ? <Alert color="red">{messageOf(clinics.error)}</Alert> : (
        <Table data-testid="clinic-list" maw={640}>
          <Table.Thead><Table.Tr><Table.Th>Clinic</Table.Th><Table.Th /></Table.Tr></Table.Thead>
          <Table.Tbody>
            {clinics.data.map((c) => (
              <Table.Tr key={c.id}><Table.Td>{c.name}</Table.Td><Table.Td>{c.id === currentClinicId ? 'signed in here' : ''}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
