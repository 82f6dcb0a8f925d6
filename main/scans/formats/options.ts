import { ScanFormatError, type ScanErrorFormat } from './errors';

export interface ReadOptions {
  /** Used only to break ties when the content does not decide the format (never logged). */
  fileName?: string;
  /** Refuse files that declare more points than this (TOO_LARGE). Default 2^31. */
  maxPoints?: number;
  /** Refuse inputs larger than this many bytes (TOO_LARGE). Default 4 GiB. */
  maxBytes?: number;
  /** Called now and then with the fraction of the work done, 0..1. */
  onProgress?: (fraction: number) => void;
}

export const DEFAULT_MAX_POINTS = 2 ** 31;
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;

export interface Limits {
  maxPoints: number;
  maxBytes: number;
  progress: (fraction: number) => void;
}

export function limitsOf(options: ReadOptions): Limits {
  const onProgress = options.onProgress;
  return {
    maxPoints: options.maxPoints ?? DEFAULT_MAX_POINTS,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    progress: onProgress ? (f) => onProgress(Math.min(1, Math.max(0, f))) : () => undefined,
  };
}

export function checkPointLimit(count: number, limits: Limits, format: ScanErrorFormat, offset: number): void {
  if (count > limits.maxPoints) {
    throw new ScanFormatError('TOO_LARGE', format, offset, `declares ${count} points, more than the limit of ${limits.maxPoints}`);
  }
}

type TypedArrayCtor<T> = new (length: number) => T;

/** Allocates a typed array, turning an allocation failure into TOO_LARGE instead of a RangeError. */
export function allocate<T>(Ctor: TypedArrayCtor<T>, length: number, format: ScanErrorFormat, offset: number): T {
  try {
    return new Ctor(length);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ScanFormatError('TOO_LARGE', format, offset, `cannot allocate ${length} values for the point arrays`);
    }
    throw error;
  }
}
