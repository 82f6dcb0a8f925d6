/**
 * Typed refusals of the wound finder (STYLE.md habit 5). Messages give counts and reasons only,
 * never patient data. Model problems (missing, corrupt or mismatching model, unavailable provider)
 * stay `ModelError`s from the segmentation service.
 */
export const WOUND_FINDER_ERROR_CODES = [
  /** The scan has no point colours (or one colour for every point). */
  'NO_COLOUR',
  /** The model found no wound, or none large enough on the surface to outline. */
  'NO_WOUND_FOUND',
  /** Too few points (with finite coordinates) to be a scan of a wound and its surroundings. */
  'TOO_FEW_POINTS',
  /** The caller's AbortSignal fired. */
  'CANCELLED',
  /** Malformed arguments: a zero or non-finite view direction, arrays shorter than the count. */
  'INVALID_INPUT',
  /** The worker doing the work failed or exited. */
  'INTERNAL',
] as const;
export type WoundFinderErrorCode = (typeof WOUND_FINDER_ERROR_CODES)[number];

export class WoundFinderError extends Error {
  override readonly name = 'WoundFinderError';
  constructor(
    readonly code: WoundFinderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isWoundFinderError(error: unknown, code?: WoundFinderErrorCode): error is WoundFinderError {
  return error instanceof WoundFinderError && (code === undefined || error.code === code);
}
