/**
 * The wound's trends over time, from the baseline: the area with the fitted course A₀·e^(−kt), its
 * 95 % band and the 4-week mark (the etiology's threshold as a reference line), and the volume,
 * deepest point and perimeter at each visit. Built on the UI kit's charts (@mantine/charts).
 */
import { CompositeChart, LineChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import type { WoundReview } from '../../../common/review';
import { weekOf } from './format';

interface AreaRow {
  day: number;
  measured?: number | null;
  offCourse?: number | null;
  course?: number | null;
  band?: [number, number] | null;
}

/** The course samples and the visits on one numeric day axis (recharts draws a range area from [low, high]). */
function areaRows(review: WoundReview): AreaRow[] {
  const rows: AreaRow[] = [];
  if (review.course.status === 'fitted') {
    for (const s of review.course.curve) rows.push({ day: s.day, course: s.fitCm2, band: [s.lowCm2, s.highCm2] });
  }
  for (const v of review.visits) rows.push({ day: v.day, measured: v.areaCm2, offCourse: v.flag ? v.areaCm2 : null });
  return rows.sort((a, b) => a.day - b.day);
}

/** A day axis labelled in weeks, at most about ten ticks. */
function weekAxis(lastDay: number) {
  const end = Math.max(7, lastDay);
  const step = 7 * Math.max(1, Math.ceil(end / 7 / 10));
  const ticks = Array.from({ length: Math.floor(end / step) + 1 }, (_, i) => step * i);
  return { type: 'number' as const, dataKey: 'day', domain: [0, end] as [number, number], ticks, tickFormatter: (d: number) => `wk ${Math.round(d / 7)}` };
}

const fmt = (digits: number) => (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

export function TrendCharts({ review }: { review: WoundReview }) {
  if (review.visits.length === 0) return <Text c="dimmed">No assessments from the baseline on: nothing to chart yet.</Text>;
  const rows = areaRows(review);
  const xAxisProps = weekAxis(Math.max(...rows.map((r) => r.day)));
  // The other charts end at the last visit (the course may run on for months).
  const visitAxisProps = weekAxis(Math.max(...review.visits.map((v) => v.day)));
  const check = review.checks.find((c) => c.day === 28);
  const base = review.visits[0]!;
  const thresholdArea = check ? base.areaCm2 * (1 - check.minPct / 100) : null;
  const perVisit = review.visits.map((v) => ({ day: v.day, volume: v.volumeCm3, depth: v.maxDepthMm, perimeter: v.perimeterCm }));
  const small = (dataKey: 'volume' | 'depth' | 'perimeter', label: string, unit: string, color: string, digits: number) => (
    <Paper withBorder p="xs" data-testid={`chart-${dataKey}`}>
      <Text size="sm" fw={600} mb={4}>{label}</Text>
      <LineChart h={150} data={perVisit} dataKey="day" series={[{ name: dataKey, label, color }]} xAxisProps={visitAxisProps} valueFormatter={fmt(digits)} unit={` ${unit}`} curveType="linear" withDots gridAxis="y" />
    </Paper>
  );
  return (
    <Stack gap="sm" data-testid="trend-charts">
      <Paper withBorder p="xs" data-testid="chart-area">
        <Text size="sm" fw={600}>Area, with the fitted course and its 95 % band</Text>
        <Text size="xs" c="dimmed" mb={4}>
          {review.course.status === 'fitted'
            ? 'Band: where a visit’s measured area should fall if the wound keeps this course. Red dots are visits off the course.'
            : `The course is fitted from 3 assessments with an area (${review.course.visits} so far).`}
        </Text>
        <CompositeChart
          h={260}
          data={rows}
          dataKey="day"
          unit=" cm²"
          valueFormatter={fmt(2)}
          xAxisProps={xAxisProps}
          curveType="linear"
          connectNulls
          withLegend
          series={[
            { name: 'band', label: '95 % band', color: 'teal.2', type: 'area' },
            { name: 'course', label: 'Fitted course', color: 'teal.7', type: 'line', strokeDasharray: '6 4' },
            { name: 'measured', label: 'Measured area', color: 'blue.7', type: 'line' },
            { name: 'offCourse', label: 'Off the course', color: 'red.7', type: 'line' },
          ]}
          areaProps={{ fillOpacity: 0.35, strokeOpacity: 0, dot: false, activeDot: false }}
          lineProps={(s) => (s.name === 'course' ? { dot: false, activeDot: false, strokeWidth: 2 } : s.name === 'offCourse' ? { strokeOpacity: 0, dot: { r: 6, fill: 'var(--mantine-color-red-7)' } } : { dot: { r: 4 } })}
          referenceLines={[
            { x: 28, label: '4 weeks', color: 'gray.6' },
            ...(thresholdArea !== null && check ? [{ y: thresholdArea, label: `${check.minPct} % smaller`, color: 'orange.6' }] : []),
          ]}
        />
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        {small('volume', 'Volume', 'cm³', 'grape.6', 2)}
        {small('depth', 'Deepest point', 'mm', 'orange.7', 1)}
        {small('perimeter', 'Perimeter', 'cm', 'indigo.6', 1)}
      </SimpleGrid>
      <Text size="xs" c="dimmed">Days are counted from the baseline ({weekOf(0)}); each point is the current version of an assessment.</Text>
    </Stack>
  );
}
