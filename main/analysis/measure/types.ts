import type { Vec3 } from './frame';

export interface MeasureOptions {
  /**
   * Head-to-toe direction of the body at the wound (any length, world coordinates). When given,
   * `head_to_toe_length_cm` and `width_across_cm` are reported along and across it.
   */
  bodyAxis?: Vec3;
  /** `false` marks the outline as an open polyline: measuring it fails with OUTLINE_OPEN. */
  closed?: boolean;
  /**
   * A direction pointing out of the body at the wound (e.g. towards the scanner). Used to orient
   * the lid when the cloud carries no normals; without either, the side on which most of the wound
   * bed lies is taken as "into the body" (wounds are cavities far more often than mounds).
   */
  outward?: Vec3;
  /**
   * The nurse's corrections of the tissue map: each stroke gives every wound point within
   * `radiusMm` of `centre` (world coordinates, mm) the class `tissue`; later strokes win. The
   * confirmed mix (`tissue_confirmed_pct`) counts the painted classes, `tissue_pct` the colours'.
   */
  tissuePaint?: TissuePaintStroke[];
}

export interface TissuePaintStroke {
  /** Index into TISSUE_CLASSES. */
  tissue: number;
  centre: Vec3;
  radiusMm: number;
}

export interface TissueMix {
  /** Percent of the wound opening area (0–100), each summing with the others to 100. */
  granulation: number;
  slough: number;
  eschar: number;
  epithelium: number;
}

/** The lid: the surface spanning the outline, fitted to the healthy skin around it. */
export interface LidDescription {
  /** Triangle mesh of the lid inside the outline, world coordinates in mm, xyz interleaved. */
  positions: Float32Array;
  /** Triangle vertex indices into `positions` (three per triangle). */
  indices: Uint32Array;
  /** Origin of the lid's local frame (world, mm). */
  origin: Vec3;
  /** Local frame: u and v span the best-fit plane of the skin band, n points out of the body. */
  axisU: Vec3;
  axisV: Vec3;
  normal: Vec3;
  /** The lid is w = Σ coefficients[k] · (u/scaleMm)^i (v/scaleMm)^j over i + j ≤ degree, in `terms` order. */
  degree: number;
  terms: [number, number][];
  coefficients: number[];
  scaleMm: number;
  /** Robust standard deviation of the skin band around the fitted lid (mm). */
  residualSigmaMm: number;
  bandPointCount: number;
}

export interface MeasureDiagnostics {
  /** Median nearest-neighbour distance of the scan around the wound (mm). */
  pointSpacingMm: number;
  woundPointCount: number;
  /** Points inside the outline left out as isolated (stray) or not connected to the rim. */
  excludedPointCount: number;
  /** Side length of the integration cells in the lid's parameter plane (mm). */
  gridCellMm: number;
  /** How the "out of the body" side of the lid was decided. */
  orientation: 'normals' | 'outward-hint' | 'cavity-majority';
  /** Largest distance of an outline vertex from the scanned surface (mm). */
  outlineMaxOffSurfaceMm: number;
}

export interface WoundMeasurement {
  /** Area of the lid inside the outline: the wound opening (cm²). */
  area_cm2: number;
  /** Area of the outline projected on the best-fit plane of the surrounding skin (cm²). */
  projected_area_cm2: number;
  /** Length of the outline drawn on the lid (cm). */
  perimeter_cm: number;
  /** Longest extent across the opening, measured along the lid (cm). */
  length_cm: number;
  /** Longest extent perpendicular to `length_cm`, measured along the lid (cm). */
  width_cm: number;
  /** Deepest point of the (smoothed) wound bed below the lid, along the lid's normal (mm). */
  max_depth_mm: number;
  /**
   * Mean depth over the opening: ∫ max(depth, 0) dA / area, with depth along the lid's normal and
   * the integral over the lid inside the outline (raised tissue counts as depth 0) (mm).
   */
  mean_depth_mm: number;
  /** Volume between lid and wound bed where the bed lies below the lid (cm³). */
  volume_cm3: number;
  /** Volume of tissue standing above the lid inside the outline (cm³), reported, never subtracted. */
  raised_volume_cm3: number;
  /** The mix from the colours alone (automatic). */
  tissue_pct: TissueMix | null;
  /** The mix after the nurse's tissue paint (equal to `tissue_pct` without paint); null when no tissue was measured. */
  tissue_confirmed_pct: TissueMix | null;
  tissue_unavailable_reason?: string;
  /** Per cloud point: its tissue class after the paint (index into TISSUE_CLASSES) for coloured wound points, -1 elsewhere. */
  perPointTissue: Int8Array;
  lid: LidDescription;
  /** Per cloud point: depth below the lid (mm, negative above it) for wound points, NaN elsewhere. */
  perPointDepthMm: Float32Array;
  /** Per cloud point: 1 when the point belongs to the wound bed inside the outline. */
  insideMask: Uint8Array;
  head_to_toe_length_cm?: number;
  width_across_cm?: number;
  diagnostics: MeasureDiagnostics;
}
