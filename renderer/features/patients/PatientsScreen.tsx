import { useRef, useState } from 'react';
import { Alert, Button, Card, Group, Loader, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import { formatDate } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { PatientDetail } from './PatientDetail';
import { PatientForm } from './PatientForm';
import { BodyMap } from '../review/BodyMap';
import { ReviewScreen } from '../review/ReviewScreen';
import { WoundScans } from '../scans/WoundScans';

/** Search by name or MRN, create a patient, open one. */
export function PatientsScreen({ permissions, initial = {} }: { permissions: Permission[]; initial?: { patientId?: string; woundId?: string } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 250);
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(initial.patientId ?? null);
  const canWrite = permissions.includes('patients.demographics.write');
  const results = useQuery({ ...trpc.patients.search.queryOptions({ query: debounced, limit: 50 }), enabled: debounced.length > 0, placeholderData: keepPreviousData });
  const create = useMutation(
    trpc.patients.create.mutationOptions({
      onSuccess: (patient) => {
        setCreating(false);
        void queryClient.invalidateQueries(trpc.patients.search.queryFilter());
        setOpenId(patient.id);
      },
    }),
  );
  const formApi = useRef<{ showServerError(e: unknown): boolean } | null>(null);

  if (openId) {
    return (
      <PatientDetail
        id={openId}
        permissions={permissions}
        initialWoundId={openId === initial.patientId ? initial.woundId : undefined}
        onBack={() => setOpenId(null)}
        woundPanel={(w, patient) => <WoundScans key={w.id} wound={w} patient={patient} canWrite={permissions.includes('clinical.write')} canSignOff={permissions.includes('assessments.signoff')} canExport={permissions.includes('reports.export')} />}
        reviewScreen={(woundId, back) => <ReviewScreen key={woundId} woundId={woundId} permissions={permissions} onBack={back} />}
        bodyMap={(patientId, open) => <BodyMap patientId={patientId} onOpen={open} />}
      />
    );
  }
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Patients</Title>
        {canWrite && <Button onClick={() => setCreating(true)}>New patient</Button>}
      </Group>
      <TextInput label="Find a patient" placeholder="Any part of a name or MRN" value={query} onChange={(e) => setQuery(e.currentTarget.value)} data-autofocus aria-label="Find a patient" />
      <Card withBorder>
        {debounced.length === 0 ? (
          <Text c="dimmed">Type a name or MRN to search.</Text>
        ) : results.isPending ? (
          <Loader size="sm" aria-label="Searching" />
        ) : results.isError ? (
          <Alert color="red">{messageOf(results.error)}</Alert>
        ) : results.data.items.length === 0 ? (
          <Text c="dimmed">No patient matches “{debounced}”.</Text>
        ) : (
          <Table highlightOnHover data-testid="patient-results">
            <Table.Thead>
              <Table.Tr><Table.Th>Name</Table.Th><Table.Th>MRN</Table.Th><Table.Th>Date of birth</Table.Th><Table.Th /></Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {results.data.items.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>{p.familyName}, {p.givenName}</Table.Td>
                  <Table.Td>{p.mrn}</Table.Td>
                  <Table.Td>{formatDate(p.dateOfBirth)}</Table.Td>
                  <Table.Td><Button size="xs" variant="light" onClick={() => setOpenId(p.id)} aria-label={`Open ${p.familyName}, ${p.givenName}`}>Open</Button></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
      <Modal opened={creating} onClose={() => setCreating(false)} title="New patient" size="lg">
        <PatientForm
          submitLabel="Create patient"
          pending={create.isPending}
          error={create.error}
          formRef={(f) => (formApi.current = f)}
          onSubmit={(input) =>
            create.mutate(input, {
              onError: (e) => formApi.current?.showServerError(e),
            })
          }
          onCancel={() => setCreating(false)}
        />
      </Modal>
    </Stack>
  );
}
