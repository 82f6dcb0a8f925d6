import { Alert, Button, Group, Select, SimpleGrid, Stack, TextInput, Textarea } from '@mantine/core';
import { patientInputSchema, SEXES, type Patient, type PatientInput } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';

const EMPTY: PatientInput = { mrn: '', givenName: '', familyName: '', dateOfBirth: '', sex: 'unknown', phone: null, email: null, address: null };

/** Create or edit a patient's demographics; errors appear next to each field. */
export function PatientForm(props: { initial?: Patient; submitLabel: string; pending: boolean; error: unknown; onSubmit(input: ReturnType<typeof patientInputSchema.parse>): void; onCancel?: () => void; formRef?: (f: { showServerError(e: unknown): boolean }) => void }) {
  const form = useZodForm(patientInputSchema, props.initial ? { ...props.initial } : EMPTY);
  props.formRef?.(form);
  const v = form.values;
  const text = (key: 'mrn' | 'givenName' | 'familyName' | 'dateOfBirth') => ({
    value: v[key] ?? '',
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => form.set(key, e.currentTarget.value),
    error: form.errors[key],
  });
  const optional = (key: 'phone' | 'email') => ({
    value: v[key] ?? '',
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => form.set(key, e.currentTarget.value.trim() === '' ? null : e.currentTarget.value),
    error: form.errors[key],
  });
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const input = form.validate();
        if (input) props.onSubmit(input);
      }}
    >
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="MRN" required {...text('mrn')} data-autofocus />
          <TextInput label="Date of birth" type="date" required {...text('dateOfBirth')} />
          <TextInput label="Given name" required {...text('givenName')} />
          <TextInput label="Family name" required {...text('familyName')} />
          <Select
            label="Sex"
            data={SEXES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) }))}
            value={v.sex ?? 'unknown'}
            onChange={(s) => s && form.set('sex', s as PatientInput['sex'])}
            error={form.errors['sex']}
            allowDeselect={false}
          />
          <TextInput label="Phone" {...optional('phone')} />
          <TextInput label="Email" type="email" {...optional('email')} />
        </SimpleGrid>
        <Textarea label="Address" value={v.address ?? ''} onChange={(e) => form.set('address', e.currentTarget.value.trim() === '' ? null : e.currentTarget.value)} error={form.errors['address']} />
        {Boolean(props.error) && !form.errors['mrn'] && <Alert color="red">{messageOf(props.error)}</Alert>}
        <Group>
          <Button type="submit" loading={props.pending}>{props.submitLabel}</Button>
          {props.onCancel && <Button variant="default" onClick={props.onCancel}>Cancel</Button>}
        </Group>
      </Stack>
    </form>
  );
}
