/**
 * Money with dinero.js: integer minor units in the clinic's currency; tax rounded half-up per line;
 * a part of a line credited is an exact allocation, so crediting every unit gives back the line to
 * the cent.
 */
import { allocate, dinero, halfUp, multiply, toDecimal, toSnapshot, transformScale, type Dinero, type DineroCurrency } from 'dinero.js';
import * as currencies from 'dinero.js/currencies';

export function currencyOf(code: string): DineroCurrency<number> {
  const c = (currencies as Record<string, DineroCurrency<number> | undefined>)[code];
  if (!c) throw new RangeError(`unknown currency ${code}`);
  return c;
}

export function isKnownCurrency(code: string): boolean {
  return (currencies as Record<string, unknown>)[code] !== undefined;
}

const amount = (d: Dinero<number>): number => toSnapshot(d).amount;

export interface LineMoney {
  amountCents: number;
  taxCents: number;
  totalCents: number;
}

/** quantity × unit price, tax at `taxRateBp` basis points rounded half-up to the currency's minor unit. */
export function lineMoney(unitPriceCents: number, quantity: number, taxRateBp: number, currencyCode: string): LineMoney {
  const currency = currencyOf(currencyCode);
  const net = multiply(dinero({ amount: unitPriceCents, currency }), quantity);
  const tax = transformScale(multiply(net, { amount: taxRateBp, scale: 4 }), currency.exponent, halfUp);
  const amountCents = amount(net);
  const taxCents = amount(tax);
  return { amountCents, taxCents, totalCents: amountCents + taxCents };
}

/** The share of a line's money for its first `units` of `of` units (allocation keeps every cent). */
function shareOf(cents: number, units: number, of: number, currencyCode: string): number {
  if (units <= 0) return 0;
  if (units >= of) return cents;
  const [share] = allocate(dinero({ amount: cents, currency: currencyOf(currencyCode) }), [units, of - units]);
  return amount(share!);
}

/** What crediting `quantity` more units of a line is worth, after `alreadyCredited` units. */
export function creditMoney(line: LineMoney & { quantity: number }, alreadyCredited: number, quantity: number, currencyCode: string): LineMoney {
  const part = (cents: number) => shareOf(cents, alreadyCredited + quantity, line.quantity, currencyCode) - shareOf(cents, alreadyCredited, line.quantity, currencyCode);
  const amountCents = part(line.amountCents);
  const taxCents = part(line.taxCents);
  return { amountCents, taxCents, totalCents: amountCents + taxCents };
}

/** `12.34` for FHIR and CSV (decimal in major units, the currency's own number of decimals). */
export function decimal(cents: number, currencyCode: string): string {
  return toDecimal(dinero({ amount: cents, currency: currencyOf(currencyCode) }));
}
