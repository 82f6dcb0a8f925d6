/**
 * Small form state over the same zod schemas the API validates with (common/): errors appear next
 * to the field, whether the browser or the service found them.
 */
import { useState } from 'react';
import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

interface IssueLike {
  path: PropertyKey[] | string[];
  message: string;
}

export function issuesToErrors(issues: readonly IssueLike[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.') || '_form';
    errors[key] ??= issue.message;
  }
  return errors;
}

/** Field errors the API sent back (BAD_REQUEST with zod issues), if any. */
export function serverFieldErrors(error: unknown): FieldErrors | null {
  const data = (error as { data?: { issues?: IssueLike[] } } | null)?.data;
  return data?.issues?.length ? issuesToErrors(data.issues) : null;
}

/**
 * A message for people: the service's own wording, never a stack. A refusal of the input names
 * what was wrong ("A scan cannot be captured in the future"), not just that something was.
 */
export function messageOf(error: unknown): string {
  const issues = (error as { data?: { issues?: IssueLike[] } } | null)?.data?.issues;
  if (issues?.length) return [...new Set(issues.map((i) => i.message))].join(' · ');
  if (error && typeof error === 'object' && 'message' in error && typeof (error as { message: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return 'Something went wrong.';
}

export function appCodeOf(error: unknown): string | undefined {
  return (error as { data?: { appCode?: string } } | null)?.data?.appCode;
}

export function useZodForm<S extends z.ZodType<object>>(schema: S, initial: z.input<S>) {
  const [values, setValues] = useState<z.input<S>>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  return {
    values,
    errors,
    set<K extends keyof z.input<S>>(key: K, value: z.input<S>[K]) {
      setValues((v) => ({ ...(v as object), [key]: value }) as z.input<S>);
      setErrors((e) => {
        if (!(key as string in e)) return e;
        const next = { ...e };
        delete next[key as string];
        return next;
      });
    },
    /** Parsed values, or null with the errors shown. */
    validate(): z.output<S> | null {
      const result = schema.safeParse(values);
      if (result.success) {
        setErrors({});
        return result.data;
      }
      setErrors(issuesToErrors(result.error.issues));
      return null;
    },
    showServerError(error: unknown): boolean {
      const fields = serverFieldErrors(error);
      if (fields) setErrors(fields);
      return fields !== null;
    },
    reset(next: z.input<S>) {
      setValues(next);
      setErrors({});
    },
  };
}
