/**
 * Byte-level helpers for the text formats (ASCII PLY, XYZ/PTS, OBJ): numbers are parsed
 * straight from the bytes, without making a string per value.
 */

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const DECODER = new TextDecoder('latin1');

export const CH_TAB = 9;
export const CH_LF = 10;
export const CH_CR = 13;
export const CH_SPACE = 32;
export const CH_HASH = 35;
export const CH_PLUS = 43;
export const CH_COMMA = 44;
export const CH_MINUS = 45;
export const CH_DOT = 46;
export const CH_SLASH = 47;
export const CH_ZERO = 48;
export const CH_NINE = 57;
export const CH_SEMICOLON = 59;
export const CH_UPPER_E = 69;
export const CH_LOWER_E = 101;

export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 2048) return String.fromCharCode(...bytes.subarray(start, end));
  return DECODER.decode(bytes.subarray(start, end));
}

export function isSpace(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_CR || c === CH_LF || c === 11 || c === 12;
}

const SLOW_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_A_NUMBER = /^[+-]?(?:nan|nan\(.*\)|-?nan\(ind\)|1\.#qnan|1\.#ind)$/i;
const INFINITY = /^([+-]?)(?:inf|infinity|1\.#inf)$/i;

/**
 * Parses `bytes[start, end)` as a decimal number. Returns NaN when the text is not a number;
 * callers tell that apart from a literal "nan" with `isNanLiteral`.
 * Up to 15 significant digits with a small exponent take the exact fast path (an integer
 * mantissa times or divided by an exact power of ten is correctly rounded); anything else
 * goes through `Number()`.
 */
export function parseNumber(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  const c = bytes[i];
  if (c === CH_MINUS) {
    negative = true;
    i++;
  } else if (c === CH_PLUS) {
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  while (i < end) {
    const d = bytes[i]! - CH_ZERO;
    if (d < 0 || d > 9) break;
    if (mantissa !== 0 || d !== 0) {
      mantissa = mantissa * 10 + d;
      significant++;
    }
    digits++;
    i++;
  }
  if (i < end && bytes[i] === CH_DOT) {
    i++;
    while (i < end) {
      const d = bytes[i]! - CH_ZERO;
      if (d < 0 || d > 9) break;
      if (mantissa !== 0 || d !== 0) {
        mantissa = mantissa * 10 + d;
        significant++;
      }
      exponent--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return slowNumber(bytes, start, end);
  if (i < end && (bytes[i] === CH_LOWER_E || bytes[i] === CH_UPPER_E)) {
    i++;
    let expNegative = false;
    if (bytes[i] === CH_MINUS) {
      expNegative = true;
      i++;
    } else if (bytes[i] === CH_PLUS) {
      i++;
    }
    let e = 0;
    let expDigits = 0;
    while (i < end) {
      const d = bytes[i]! - CH_ZERO;
      if (d < 0 || d > 9) break;
      if (e < 100000) e = e * 10 + d;
      expDigits++;
      i++;
    }
    if (expDigits === 0) return NaN;
    exponent += expNegative ? -e : e;
  }
  if (i !== end) return NaN;
  if (significant > 15 || exponent > 22 || exponent < -22) return slowNumber(bytes, start, end);
  const value = exponent < 0 ? mantissa / POW10[-exponent]! : mantissa * POW10[exponent]!;
  return negative ? -value : value;
}

function slowNumber(bytes: Uint8Array, start: number, end: number): number {
  if (end - start > 400) return NaN;
  const text = latin1(bytes, start, end);
  if (SLOW_NUMBER.test(text)) return Number(text);
  const inf = INFINITY.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  return NaN;
}

/** True for the spellings of "not a number" that writers put in text point files. */
export function isNanLiteral(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start > 16) return false;
  return NOT_A_NUMBER.test(latin1(bytes, start, end));
}

/** Parses a number and says whether it was one (a written "nan" counts). */
export function parseField(bytes: Uint8Array, start: number, end: number): number | undefined {
  const value = parseNumber(bytes, start, end);
  if (value === value) return value;
  return isNanLiteral(bytes, start, end) ? NaN : undefined;
}

/** Whitespace-separated tokens over a byte range, used by ASCII PLY (elements may wrap lines). */
export class Tokens {
  start = 0;
  end = 0;
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly limit: number = bytes.length,
  ) {}

  /** Moves to the next token; false at the end of the input. */
  next(): boolean {
    const b = this.bytes;
    let i = this.pos;
    const n = this.limit;
    while (i < n) {
      const c = b[i]!;
      if (c !== CH_SPACE && c !== CH_LF && c !== CH_CR && c !== CH_TAB && c !== 11 && c !== 12) break;
      i++;
    }
    if (i >= n) {
      this.pos = n;
      return false;
    }
    const s = i;
    while (i < n) {
      const c = b[i]!;
      if (c === CH_SPACE || c === CH_LF || c === CH_CR || c === CH_TAB || c === 11 || c === 12) break;
      i++;
    }
    this.start = s;
    this.end = i;
    this.pos = i;
    return true;
  }
}

/** The end of the line that starts at `pos` (index of its '\n', or the end of the input). */
export function lineEnd(bytes: Uint8Array, pos: number): number {
  const i = bytes.indexOf(CH_LF, pos);
  return i < 0 ? bytes.length : i;
}

/** True when the first `probe` bytes look like binary data rather than text. */
export function looksBinary(bytes: Uint8Array, probe = 65536): boolean {
  const n = Math.min(bytes.length, probe);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0) return true;
    if (c < 32 && c !== CH_TAB && c !== CH_LF && c !== CH_CR && c !== 12 && c !== 26) odd++;
  }
  return odd > n / 100;
}
