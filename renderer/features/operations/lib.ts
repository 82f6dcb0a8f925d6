/**
 * What every operations screen shares: commands with a client id that survives a double-click or
 * a retry (the service applies an id once), money in the clinic's currency, times in its zone.
 */
import { useRef } from 'react';
import { useMutation, useQuery, type UseMutationOptions } from '@tanstack/react-query';
import { localDate, localTime } from '../../../common/time';
import { useTRPC } from '../../lib/trpc';

export interface CommandVars<A> {
  commandId: string;
  args: A;
}

/**
 * A command mutation: `run(args)` sends it with an id made once per intent — a second click while
 * it is saving does nothing, a retry after an error reuses the id, a success starts a new one.
 */
export function useCommand<A, D, E = unknown>(options: UseMutationOptions<D, E, CommandVars<A>>) {
  const id = useRef<string | null>(null);
  const mutation = useMutation<D, E, CommandVars<A>>({
    ...options,
    onSuccess: (...args) => {
      id.current = null;
      return options.onSuccess?.(...args);
    },
  });
  return {
    ...mutation,
    run(args: A, extra?: { onSuccess?: (data: D) => void }) {
      if (mutation.isPending) return;
      id.current ??= crypto.randomUUID();
      mutation.mutate({ commandId: id.current, args }, extra?.onSuccess ? { onSuccess: (d) => extra.onSuccess!(d) } : undefined);
    },
  };
}

export const newId = (): string => crypto.randomUUID();

export function useOpsSettings() {
  const trpc = useTRPC();
  const settings = useQuery({ ...trpc.operations.settings.queryOptions(), staleTime: 60_000 });
  return settings.data ?? { currency: 'EUR', timeZone: 'UTC', reminderLeadHours: 24, paymentTermsDays: 30, travelSpeedKmh: 30, defaultTravelMinutes: 20, expiringSoonDays: 30 };
}

const moneyFormats = new Map<string, Intl.NumberFormat>();
export function formatMoney(cents: number, currency: string): string {
  let f = moneyFormats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    moneyFormats.set(currency, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(cents / 10 ** digits);
}

/** Minor units from what a person typed ("12.5" → 1250 for EUR); null when it is not an amount. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const t = text.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  if (frac.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || 0);
}

export function formatTime(ms: number, tz: string): string {
  return localTime(ms, tz);
}
export function formatDateTime(ms: number, tz: string): string {
  return `${localDate(ms, tz)} ${localTime(ms, tz)}`;
}

export const STATUS_LABELS: Record<string, string> = {
  booked: 'Booked', checked_in: 'Checked in', completed: 'Completed', cancelled: 'Cancelled', no_show: 'No-show',
  draft: 'Draft', issued: 'Issued', part_paid: 'Part-paid', paid: 'Paid', void: 'Void',
  sent: 'Sent', partly_received: 'Partly received', received: 'Received', ready: 'Ready', submitted: 'Submitted', denied: 'Denied',
};

/** Saves text as a file (claims CSV / FHIR JSON, ICS). */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
