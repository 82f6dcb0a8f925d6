import { Alert, Button, Group, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { LATERALITIES, PRESSURE_INJURY_STAGES, WOUND_ETIOLOGIES, WOUND_STATUSES, woundInputSchema, type Wound, type WoundInput } from '../../../common/records';
import { messageOf, useZodForm } from '../../lib/forms';

export const ETIOLOGY_LABELS: Record<(typeof WOUND_ETIOLOGIES)[number], string> = {
  diabetic_foot_ulcer: 'Diabetic foot ulcer',
  venous_leg_ulcer: 'Venous leg ulcer',
  pressure_injury: 'Pressure injury',
  surgical: 'Surgical',
  burn: 'Burn',
  other: 'Other',
};
const STAGE_LABELS: Record<string, string> = { '1': 'Stage 1', '2': 'Stage 2', '3': 'Stage 3', '4': 'Stage 4', unstageable: 'Unstageable', deep_tissue: 'Deep tissue' };

export function WoundForm(props: { patientId: string; initial?: Wound; submitLabel: string; pending: boolean; error: unknown; onSubmit(input: WoundInput): void; onCancel(): void }) {
  const form = useZodForm(woundInputSchema, props.initial ? { ...props.initial } : { patientId: props.patientId, bodySite: '', etiology: 'diabetic_foot_ulcer', laterality: null, pressureStage: null, onsetDate: null, status: 'open' });
  const v = form.values;
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
          <TextInput label="Body site" placeholder="e.g. plantar first metatarsal head" required value={v.bodySite} onChange={(e) => form.set('bodySite', e.currentTarget.value)} error={form.errors['bodySite']} data-autofocus />
          <Select label="Side" clearable data={LATERALITIES.map((l) => ({ value: l, label: l }))} value={v.laterality ?? null} onChange={(l) => form.set('laterality', l as WoundInput['laterality'])} error={form.errors['laterality']} />
          <Select
            label="Etiology"
            required
            allowDeselect={false}
            data={WOUND_ETIOLOGIES.map((e) => ({ value: e, label: ETIOLOGY_LABELS[e] }))}
            value={v.etiology}
            onChange={(e) => {
              if (!e) return;
              form.set('etiology', e as WoundInput['etiology']);
              if (e !== 'pressure_injury') form.set('pressureStage', null);
            }}
            error={form.errors['etiology']}
          />
          {v.etiology === 'pressure_injury' && (
            <Select label="Stage" data={PRESSURE_INJURY_STAGES.map((s) => ({ value: s, label: STAGE_LABELS[s] ?? s }))} value={v.pressureStage ?? null} onChange={(s) => form.set('pressureStage', s as WoundInput['pressureStage'])} error={form.errors['pressureStage']} />
          )}
          <TextInput label="Onset date" type="date" value={v.onsetDate ?? ''} onChange={(e) => form.set('onsetDate', e.currentTarget.value || null)} error={form.errors['onsetDate']} />
          <Select label="Status" allowDeselect={false} data={WOUND_STATUSES.map((s) => ({ value: s, label: s }))} value={v.status ?? 'open'} onChange={(s) => s && form.set('status', s as WoundInput['status'])} error={form.errors['status']} />
        </SimpleGrid>
        {Boolean(props.error) && <Alert color="red">{messageOf(props.error)}</Alert>}
        <Group>
          <Button type="submit" loading={props.pending}>{props.submitLabel}</Button>
          <Button variant="default" onClick={props.onCancel}>Cancel</Button>
        </Group>
      </Stack>
    </form>
  );
}
