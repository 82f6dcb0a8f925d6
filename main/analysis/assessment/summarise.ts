/**
 * What the UI and the record need from a WoundMeasurement: the figures (display units), the lid
 * mesh, a capped, evenly strided subsample of the wound points with their depths and tissue classes
 * for the viewer's heat map and tissue map, and on request the per-point mask and depths for the octree attributes.
 */
import type { PointCloud } from '../../../common/point-cloud';
import type { WoundMeasurement } from '../measure/index';

export interface MeasureSummary {
  figures: {
    area_cm2: number;
    projected_area_cm2: number;
    perimeter_cm: number;
    length_cm: number;
    width_cm: number;
    max_depth_mm: number;
    mean_depth_mm: number;
    volume_cm3: number;
    raised_volume_cm3: number;
    tissue_pct: { granulation: number; slough: number; eschar: number; epithelium: number } | null;
    tissue_confirmed_pct: { granulation: number; slough: number; eschar: number; epithelium: number } | null;
    tissue_unavailable_reason: string | null;
    head_to_toe_length_cm: number | null;
    width_across_cm: number | null;
  };
  lid: { positions: Float32Array; indices: Uint32Array };
  /** The overlay points' tissue class after the paint (index into TISSUE_CLASSES; -1 uncoloured). */
  overlay: { positions: Float32Array; depthMm: Float32Array; tissue: Int8Array; min: number; max: number; total: number };
  woundPointCount: number;
  perPoint?: { insideMask: Uint8Array; depthMm: Float32Array };
}

/** The figures of a measurement in display units, every key present (null where not measured). */
export function measurementFigures(m: WoundMeasurement): MeasureSummary['figures'] {
  return {
    area_cm2: m.area_cm2,
    projected_area_cm2: m.projected_area_cm2,
    perimeter_cm: m.perimeter_cm,
    length_cm: m.length_cm,
    width_cm: m.width_cm,
    max_depth_mm: m.max_depth_mm,
    mean_depth_mm: m.mean_depth_mm,
    volume_cm3: m.volume_cm3,
    raised_volume_cm3: m.raised_volume_cm3,
    tissue_pct: m.tissue_pct ? { ...m.tissue_pct } : null,
    tissue_confirmed_pct: m.tissue_confirmed_pct ? { ...m.tissue_confirmed_pct } : null,
    tissue_unavailable_reason: m.tissue_pct ? null : (m.tissue_unavailable_reason ?? 'not measured'),
    head_to_toe_length_cm: m.head_to_toe_length_cm ?? null,
    width_across_cm: m.width_across_cm ?? null,
  };
}

export function summarise(cloud: PointCloud, m: WoundMeasurement, opts: { perPoint: boolean; maxOverlayPoints: number }): MeasureSummary {
  const inside: number[] = [];
  for (let i = 0; i < cloud.count; i++) if (m.insideMask[i] && Number.isFinite(m.perPointDepthMm[i]!)) inside.push(i);
  const total = inside.length;
  const stride = Math.max(1, Math.ceil(total / opts.maxOverlayPoints));
  const n = Math.ceil(total / stride);
  const positions = new Float32Array(3 * n);
  const depthMm = new Float32Array(n);
  const tissue = new Int8Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0, j = 0; k < total; k += stride, j++) {
    const i = inside[k]!;
    positions[3 * j] = cloud.positions[3 * i]!;
    positions[3 * j + 1] = cloud.positions[3 * i + 1]!;
    positions[3 * j + 2] = cloud.positions[3 * i + 2]!;
    const d = m.perPointDepthMm[i]!;
    depthMm[j] = d;
    tissue[j] = m.perPointTissue[i]!;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  const summary: MeasureSummary = {
    figures: measurementFigures(m),
    lid: { positions: new Float32Array(m.lid.positions), indices: new Uint32Array(m.lid.indices) },
    overlay: { positions, depthMm, tissue, min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0, total },
    woundPointCount: m.diagnostics.woundPointCount,
  };
  if (opts.perPoint) summary.perPoint = { insideMask: new Uint8Array(m.insideMask), depthMm: new Float32Array(m.perPointDepthMm) };
  return summary;
}
