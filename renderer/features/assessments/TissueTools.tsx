/**
 * The tissue map's legend and the repaint tools: each wound point is shown in its class's colour
 * (what the mix counted); the nurse picks a class and a brush and paints over the scan to correct
 * it. The automatic mix (colours) and the confirmed one (after her paint) are both saved.
 */
import { Button, Group, NumberInput, Radio, SimpleGrid, Stack, Switch, Text } from '@mantine/core';
import { TISSUE_TYPES, type AssessmentFigures, type TissueType } from '../../../common/assessments';
import { TISSUE_RGB } from '../../viewer/AssessmentOverlay';

export const TISSUE_LABELS: Record<TissueType, string> = { granulation: 'Granulation', slough: 'Slough', eschar: 'Eschar', epithelium: 'Epithelium' };

const swatch = (k: number) => `rgb(${TISSUE_RGB[k]!.join(',')})`;

/** Over the canvas: the class colours with the confirmed (or automatic) share of each. */
export function TissueLegend({ figures }: { figures: AssessmentFigures }) {
  const mix = figures.tissue_confirmed_pct ?? figures.tissue_pct;
  return (
    <Stack gap={2} data-testid="tissue-legend">
      <Text size="xs" c="white">Tissue map</Text>
      {TISSUE_TYPES.map((t, k) => (
        <Group key={t} gap={6} wrap="nowrap">
          <div style={{ width: 10, height: 10, borderRadius: 2, background: swatch(k), outline: '1px solid rgba(255,255,255,0.5)' }} />
          <Text size="xs" c="white">{TISSUE_LABELS[t]}{mix ? ` ${Math.round(mix[t])} %` : ''}</Text>
        </Group>
      ))}
    </Stack>
  );
}

export interface TissueToolsProps {
  showMap: boolean;
  onShowMap(show: boolean): void;
  painting: boolean;
  onPainting(painting: boolean): void;
  tissue: TissueType;
  onTissue(t: TissueType): void;
  brushMm: number;
  onBrushMm(mm: number): void;
  strokes: number;
  onClearPaint(): void;
  canPaint: boolean;
  /** Why the map cannot be shown (no colour, no outline yet), if so. */
  unavailable: string | null;
}

export function TissueTools(p: TissueToolsProps) {
  return (
    <Stack gap="xs" data-testid="tissue-tools">
      {p.unavailable ? <Text size="sm" c="dimmed">{p.unavailable}</Text> : <Switch size="xs" label="Tissue map" checked={p.showMap} onChange={(e) => p.onShowMap(e.currentTarget.checked)} />}
      <Text size="xs" c="dimmed">Each wound point is coloured by the tissue its colour was counted as. Where the map is wrong, choose the right tissue and paint over the scan; the confirmed mix is saved beside the automatic one.</Text>
      <Radio.Group size="xs" label="Tissue to paint" value={p.tissue} onChange={(v) => p.onTissue(v as TissueType)}>
        <SimpleGrid cols={2} spacing={6} verticalSpacing={6} mt={4}>
          {TISSUE_TYPES.map((t, k) => (
            <Radio
              key={t}
              value={t}
              disabled={!p.canPaint}
              label={
                <Group gap={4} wrap="nowrap">
                  <div style={{ width: 10, height: 10, borderRadius: 2, background: swatch(k) }} />
                  {TISSUE_LABELS[t]}
                </Group>
              }
            />
          ))}
        </SimpleGrid>
      </Radio.Group>
      <Group gap="xs" align="flex-end">
        <NumberInput size="xs" label="Brush (mm)" w={100} min={1} max={20} step={1} value={p.brushMm} onChange={(v) => typeof v === 'number' && v >= 1 && v <= 20 && p.onBrushMm(v)} disabled={!p.canPaint} />
        <Button size="xs" variant={p.painting ? 'filled' : 'light'} color="orange" aria-pressed={p.painting} onClick={() => p.onPainting(!p.painting)} disabled={!p.canPaint}>
          {p.painting ? 'Stop painting' : 'Repaint tissue'}
        </Button>
        <Button size="xs" variant="default" onClick={p.onClearPaint} disabled={!p.canPaint || p.strokes === 0}>Clear paint</Button>
      </Group>
      {p.strokes > 0 && <Text size="xs" data-testid="paint-strokes">{p.strokes} paint {p.strokes === 1 ? 'stroke' : 'strokes'} (Ctrl+Z undoes a stroke)</Text>}
    </Stack>
  );
}
