import { useState, type ReactNode } from 'react';
import { Alert, Badge, Button, Card, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Permission } from '../../../common/permissions';
import type { Patient, Wound } from '../../../common/records';
import { formatDate } from '../../lib/format';
import { messageOf } from '../../lib/forms';
import { useTRPC } from '../../lib/trpc';
import { PatientForm } from './PatientForm';
import { ETIOLOGY_LABELS, WoundForm } from './WoundForm';

export interface WoundPanelRenderer {
  (wound: Wound, patient: Patient): ReactNode;
}

export interface PatientDetailProps {
  id: string;
  permissions: Permission[];
  onBack(): void;
  woundPanel?: WoundPanelRenderer;
  /** The wound whose scans are open at first (a link from Home). */
  initialWoundId?: string | undefined;
  /** A wound's review screen, shown instead of the patient (with its own way back). */
  reviewScreen?(woundId: string, onBack: () => void): ReactNode;
  /** The patient overview's body map: a marker per wound, opening its review. */
  bodyMap?(patientId: string, onOpen: (woundId: string) => void): ReactNode;
}

/** Demographics (everyone with access), and the wounds (clinical roles only): a body map, the list, a wound's scans or review. */
export function PatientDetail({ id, permissions, onBack, woundPanel, initialWoundId, reviewScreen, bodyMap }: PatientDetailProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const patient = useQuery(trpc.patients.get.queryOptions({ id }));
  const clinical = permissions.includes('clinical.read');
  const wounds = useQuery({ ...trpc.wounds.listByPatient.queryOptions({ patientId: id }), enabled: clinical });
  const [editing, setEditing] = useState(false);
  const [woundForm, setWoundForm] = useState<{ mode: 'create' } | { mode: 'edit'; wound: Wound } | null>(null);
  const [openWound, setOpenWound] = useState<string | null>(initialWoundId ?? null);
  const [reviewing, setReviewing] = useState<string | null>(null);
  const update = useMutation(trpc.patients.update.mutationOptions({ onSuccess: () => { setEditing(false); void queryClient.invalidateQueries(trpc.patients.pathFilter()); } }));
  const invalidateWounds = () => void queryClient.invalidateQueries(trpc.wounds.pathFilter());
  const createWound = useMutation(trpc.wounds.create.mutationOptions({ onSuccess: () => { setWoundForm(null); invalidateWounds(); } }));
  const updateWound = useMutation(trpc.wounds.update.mutationOptions({ onSuccess: () => { setWoundForm(null); invalidateWounds(); } }));

  if (patient.isPending) return <Loader aria-label="Loading patient" />;
  if (patient.isError) return <Alert color="red" title="The patient could not be opened">{messageOf(patient.error)}</Alert>;
  const p = patient.data;
  // Nothing clinical stays on screen once the roles no longer allow it (a demotion reaches a live session at once).
  const current = clinical ? wounds.data?.find((w) => w.id === openWound) : undefined;
  if (clinical && reviewing && reviewScreen) return <>{reviewScreen(reviewing, () => setReviewing(null))}</>;
  return (
    <Stack>
      <Group>
        <Button variant="subtle" onClick={onBack}>← Patients</Button>
      </Group>
      <Group justify="space-between">
        <Title order={2} data-testid="patient-name">{p.familyName}, {p.givenName}</Title>
        {permissions.includes('patients.demographics.write') && <Button variant="default" onClick={() => setEditing(true)}>Edit details</Button>}
      </Group>
      <Card withBorder>
        <Group gap="xl">
          <Field label="MRN" value={p.mrn} />
          <Field label="Date of birth" value={formatDate(p.dateOfBirth)} />
          <Field label="Sex" value={p.sex} />
          <Field label="Phone" value={p.phone ?? '—'} />
          <Field label="Email" value={p.email ?? '—'} />
        </Group>
        {p.address && <Text size="sm" mt="xs">{p.address}</Text>}
      </Card>

      {clinical ? (
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={3}>Wounds</Title>
            {permissions.includes('clinical.write') && <Button onClick={() => setWoundForm({ mode: 'create' })}>Add wound</Button>}
          </Group>
          {bodyMap && wounds.data && wounds.data.length > 0 && bodyMap(p.id, setReviewing)}
          {wounds.isPending ? (
            <Loader size="sm" />
          ) : wounds.isError ? (
            <Alert color="red">{messageOf(wounds.error)}</Alert>
          ) : wounds.data.length === 0 ? (
            <Text c="dimmed">No wounds recorded.</Text>
          ) : (
            <Table data-testid="wound-list" highlightOnHover>
              <Table.Thead>
                <Table.Tr><Table.Th>Site</Table.Th><Table.Th>Etiology</Table.Th><Table.Th>Onset</Table.Th><Table.Th>Status</Table.Th><Table.Th /></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {wounds.data.map((w) => (
                  <Table.Tr key={w.id}>
                    <Table.Td>{w.bodySite}{w.laterality ? ` (${w.laterality})` : ''}</Table.Td>
                    <Table.Td>{ETIOLOGY_LABELS[w.etiology]}{w.pressureStage ? ` · stage ${w.pressureStage}` : ''}</Table.Td>
                    <Table.Td>{formatDate(w.onsetDate)}</Table.Td>
                    <Table.Td><Badge variant="light" color={w.status === 'open' ? 'orange' : 'teal'}>{w.status}</Badge></Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end">
                        {reviewScreen && <Button size="xs" onClick={() => setReviewing(w.id)} aria-label={`Review ${w.bodySite}`}>Review</Button>}
                        {woundPanel && <Button size="xs" variant="light" aria-expanded={w.id === openWound} onClick={() => setOpenWound(w.id === openWound ? null : w.id)}>{w.id === openWound ? 'Hide scans' : 'Scans'}</Button>}
                        {permissions.includes('clinical.write') && <Button size="xs" variant="default" onClick={() => setWoundForm({ mode: 'edit', wound: w })}>Edit</Button>}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      ) : (
        <Alert color="gray" title="Clinical details are not shown">Your role sees the details needed for bookings and billing only.</Alert>
      )}
      {current && woundPanel?.(current, p)}

      <Modal opened={editing} onClose={() => setEditing(false)} title="Edit patient" size="lg">
        <PatientForm initial={p} submitLabel="Save" pending={update.isPending} error={update.error} onSubmit={(input) => update.mutate({ id: p.id, patch: input })} onCancel={() => setEditing(false)} />
      </Modal>
      <Modal opened={woundForm !== null} onClose={() => setWoundForm(null)} title={woundForm?.mode === 'edit' ? 'Edit wound' : 'Add wound'} size="lg">
        {woundForm && (
          <WoundForm
            patientId={p.id}
            {...(woundForm.mode === 'edit' ? { initial: woundForm.wound } : {})}
            submitLabel={woundForm.mode === 'edit' ? 'Save' : 'Add wound'}
            pending={createWound.isPending || updateWound.isPending}
            error={woundForm.mode === 'edit' ? updateWound.error : createWound.error}
            onSubmit={(input) => {
              if (woundForm.mode === 'edit') {
                const { patientId: _p, ...patch } = input;
                updateWound.mutate({ id: woundForm.wound.id, patch });
              } else createWound.mutate(input);
            }}
            onCancel={() => setWoundForm(null)}
          />
        )}
      </Modal>
    </Stack>
  );
}

function Field({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text>{value}</Text>
    </div>
  );
}
