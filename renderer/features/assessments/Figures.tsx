import { Table, Text } from '@mantine/core';
import type { AssessmentFigures, TissueMixPct } from '../../../common/assessments';

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

/** The figures of one measurement with their units, as a nurse charts them. */
export function FiguresTable({ figures, testId = 'assessment-figures' }: { figures: AssessmentFigures; testId?: string }) {
  const rows: [string, string, string][] = [
    ['Area', `${f2(figures.area_cm2)} cm²`, 'area'],
    ['Projected area', `${f2(figures.projected_area_cm2)} cm²`, 'projected-area'],
    ['Perimeter', `${f1(figures.perimeter_cm)} cm`, 'perimeter'],
    ['Length × width', `${f1(figures.length_cm)} × ${f1(figures.width_cm)} cm`, 'length-width'],
    ['Max depth', `${f1(figures.max_depth_mm)} mm`, 'max-depth'],
    ['Mean depth', `${f1(figures.mean_depth_mm)} mm`, 'mean-depth'],
    ['Volume', `${f2(figures.volume_cm3)} cm³`, 'volume'],
    ['Raised volume', `${f2(figures.raised_volume_cm3)} cm³`, 'raised-volume'],
  ];
  if (figures.head_to_toe_length_cm !== null && figures.width_across_cm !== null) {
    rows.push(['Head-to-toe × across', `${f1(figures.head_to_toe_length_cm)} × ${f1(figures.width_across_cm)} cm`, 'head-to-toe']);
  }
  const t = figures.tissue_pct;
  const confirmed = figures.tissue_confirmed_pct;
  const repainted = t && confirmed && tissueWords(t) !== tissueWords(confirmed);
  rows.push([repainted ? 'Tissue (automatic)' : 'Tissue', t ? tissueWords(t) : `not available: ${figures.tissue_unavailable_reason ?? 'not measured'}`, 'tissue']);
  if (repainted) rows.push(['Tissue (confirmed)', tissueWords(confirmed), 'tissue-confirmed']);
  return (
    <Table data-testid={testId} withRowBorders={false} verticalSpacing={2} fz="sm">
      <Table.Tbody>
        {rows.map(([label, value, key]) => (
          <Table.Tr key={key}>
            <Table.Td><Text size="sm" c="dimmed">{label}</Text></Table.Td>
            <Table.Td data-figure={key}><Text size="sm" fw={500}>{value}</Text></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** A tissue mix in words, whole percents. */
export function tissueWords(t: TissueMixPct): string {
  return `granulation ${Math.round(t.granulation)} % · slough ${Math.round(t.slough)} % · eschar ${Math.round(t.eschar)} % · epithelium ${Math.round(t.epithelium)} %`;
}

export const METHOD_LABELS = { automatic: 'Automatic (model)', edited: 'Edited model outline', manual: 'Drawn by hand' } as const;
