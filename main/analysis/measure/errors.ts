/**
 * Typed failures of the wound measurement. Every path that cannot produce a trustworthy number
 * throws one of these instead: a nurse copies these figures into the chart, so "no answer, and
 * why" is always better than a plausible-looking wrong one. Messages never contain patient data
 * (only counts and distances).
 */
export type MeasureErrorCode =
  /** Coordinates that are not finite numbers, a cloud with no points, or malformed options. */
  | 'INVALID_INPUT'
  /** Fewer than 3 distinct outline points. */
  | 'OUTLINE_TOO_FEW_POINTS'
  /** The outline is marked open, or its last point is far from its first compared with its other segments. */
  | 'OUTLINE_OPEN'
  /** Two non-adjacent outline segments cross (seen in the lid's own frame). */
  | 'OUTLINE_SELF_INTERSECTS'
  /** The outline encloses (almost) no area. */
  | 'OUTLINE_DEGENERATE'
  /** Part of the outline lies more than OFF_SURFACE_LIMIT_MM from the scanned surface. */
  | 'OUTLINE_OFF_SURFACE'
  /** Too few points of healthy skin around the outline (or a side missing) to fit the lid. */
  | 'LID_TOO_SPARSE'
  /** The scan has too little of the wound bed inside the outline to integrate depth. */
  | 'BED_TOO_SPARSE'
  /** The body axis given is not usable (zero, not finite, or along the lid's normal). */
  | 'BODY_AXIS_INVALID';

export class MeasureError extends Error {
  override readonly name = 'MeasureError';
  constructor(
    readonly code: MeasureErrorCode,
    message: string,
  ) {
    super(message);
  }
}
