/**
 * Typed refusals of the segmentation service (STYLE.md habit 5). Messages name files and
 * reasons, never patient data.
 */
export const MODEL_ERROR_CODES = [
  'MANIFEST_INVALID',
  'MODEL_MISSING',
  'MODEL_SHA256_MISMATCH',
  'MODEL_CORRUPT',
  'MODEL_EXISTS',
  'INPUT_SHAPE',
  'PROVIDER_UNAVAILABLE',
  'IMAGE_INVALID',
  'DISPOSED',
  'INTERNAL',
] as const;
export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[number];

export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isModelError(error: unknown, code?: ModelErrorCode): error is ModelError {
  return error instanceof ModelError && (code === undefined || error.code === code);
}

/** The plain-object form that crosses the worker boundary. */
export interface ModelErrorPayload {
  name: string;
  code: ModelErrorCode;
  message: string;
}

export function toErrorPayload(error: unknown): ModelErrorPayload {
  if (error instanceof ModelError) return { name: error.name, code: error.code, message: error.message };
  return { name: 'Error', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

export function fromErrorPayload(payload: ModelErrorPayload): ModelError {
  return new ModelError(payload.code, payload.message);
}
