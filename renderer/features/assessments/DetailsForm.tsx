/**
 * What clinicians chart beside the geometry (exudate, odour, pain, periwound skin, signs of
 * infection, dressing, note): a form for a new assessment and the same fields read-only on a saved
 * one. The schema is common/assessments.ts assessmentDetailsSchema; errors come back in its words.
 */
import { Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import {
  DETAIL_WORDS,
  EXUDATE_AMOUNTS,
  EXUDATE_TYPES,
  INFECTION_SIGNS,
  ODOUR_LEVELS,
  PERIWOUND_FINDINGS,
  type AssessmentDetails,
} from '../../../common/assessments';
import type { FieldErrors } from '../../lib/forms';

const options = (values: readonly (keyof typeof DETAIL_WORDS)[]) => values.map((v) => ({ value: v, label: DETAIL_WORDS[v] }));

export function DetailsForm({ value, onChange, errors, disabled }: { value: AssessmentDetails; onChange(next: AssessmentDetails): void; errors: FieldErrors; disabled?: boolean }) {
  const set = <K extends keyof AssessmentDetails>(key: K, v: AssessmentDetails[K]) => onChange({ ...value, [key]: v });
  return (
    <Stack gap="xs" data-testid="details-form">
      <SimpleGrid cols={2} spacing="xs" verticalSpacing="xs">
        <Select
          size="xs"
          label="Exudate amount"
          data={options(EXUDATE_AMOUNTS)}
          value={value.exudateAmount}
          clearable
          disabled={disabled}
          error={errors['exudateAmount']}
          onChange={(v) => onChange({ ...value, exudateAmount: v as AssessmentDetails['exudateAmount'], ...(v === 'none' ? { exudateType: null } : {}) })}
        />
        <Select
          size="xs"
          label="Exudate type"
          data={options(EXUDATE_TYPES)}
          value={value.exudateType}
          clearable
          disabled={disabled || value.exudateAmount === 'none'}
          error={errors['exudateType']}
          onChange={(v) => set('exudateType', v as AssessmentDetails['exudateType'])}
        />
        <Select size="xs" label="Odour" data={options(ODOUR_LEVELS)} value={value.odour} clearable disabled={disabled} error={errors['odour']} onChange={(v) => set('odour', v as AssessmentDetails['odour'])} />
        <NumberInput
          size="xs"
          label="Pain (0–10)"
          min={0}
          max={10}
          step={1}
          allowDecimal={false}
          clampBehavior="none"
          value={value.painScore ?? ''}
          disabled={disabled}
          error={errors['painScore']}
          onChange={(v) => set('painScore', typeof v === 'number' ? v : v === '' ? null : Number.NaN)}
        />
      </SimpleGrid>
      <MultiSelect size="xs" label="Periwound skin" data={options(PERIWOUND_FINDINGS)} value={value.periwound} disabled={disabled} error={errors['periwound']} onChange={(v) => set('periwound', v as AssessmentDetails['periwound'])} />
      <MultiSelect size="xs" label="Signs of infection" data={options(INFECTION_SIGNS)} value={value.infectionSigns} disabled={disabled} error={errors['infectionSigns']} onChange={(v) => set('infectionSigns', v as AssessmentDetails['infectionSigns'])} />
      <TextInput size="xs" label="Dressing applied" value={value.dressing} disabled={disabled} error={errors['dressing']} onChange={(e) => set('dressing', e.currentTarget.value)} />
      <Textarea size="xs" label="Note" autosize minRows={2} maxRows={5} value={value.note} disabled={disabled} error={errors['note']} onChange={(e) => set('note', e.currentTarget.value)} />
    </Stack>
  );
}

/** The charted details of a saved assessment, or a line saying none were charted. */
export function DetailsView({ details }: { details: AssessmentDetails | null }) {
  const words = (v: keyof typeof DETAIL_WORDS | null) => (v ? DETAIL_WORDS[v] : '—');
  const list = (vs: (keyof typeof DETAIL_WORDS)[]) => (vs.length ? vs.map((v) => DETAIL_WORDS[v]).join(', ') : '—');
  if (!details) return <Text size="sm" c="dimmed">No details were charted with this assessment.</Text>;
  const rows: [string, string, string][] = [
    ['Exudate', details.exudateAmount ? `${words(details.exudateAmount)}${details.exudateType ? `, ${words(details.exudateType).toLowerCase()}` : ''}` : '—', 'exudate'],
    ['Odour', words(details.odour), 'odour'],
    ['Pain', details.painScore === null ? '—' : `${details.painScore} / 10`, 'pain'],
    ['Periwound skin', list(details.periwound), 'periwound'],
    ['Signs of infection', list(details.infectionSigns), 'infection'],
    ['Dressing applied', details.dressing || '—', 'dressing'],
    ['Note', details.note || '—', 'note'],
  ];
  return (
    <Table data-testid="details-view" withRowBorders={false} verticalSpacing={2} fz="sm">
      <Table.Tbody>
        {rows.map(([label, value, key]) => (
          <Table.Tr key={key}>
            <Table.Td><Text size="sm" c="dimmed">{label}</Text></Table.Td>
            <Table.Td data-detail={key}><Group gap={4}><Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{value}</Text></Group></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
