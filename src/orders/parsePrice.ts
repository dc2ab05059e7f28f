/**
 * Exact price parsing: a decimal amount (JSON number or string) → integer minor units, with no
 * float arithmetic. A JSON number is read through its shortest round-trip string (what
 * `String(n)` gives, e.g. 19.99 → "19.99"), so the digits the client sent are the digits used.
 * Hand-written because it is ten lines of string handling; a decimal library would add a
 * dependency for one function.
 */

/** Largest accepted unit price: 1 000 000 000.00 (keeps any order total inside bigint). */
export const MAX_PRICE_CENTS = 100_000_000_000n;

const PLAIN_DECIMAL = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/** Outcome of {@link tryParsePrice}. */
export type PriceParse = { ok: true; cents: bigint } | { ok: false; error: string };

/** Parse a price with at most 2 decimals, > 0, into cents. Never throws. */
export function tryParsePrice(value: unknown): PriceParse {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, error: 'price must be a finite number' };
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return { ok: false, error: 'price must be a number or a decimal string' };
  }
  if (text.startsWith('-')) return { ok: false, error: 'price must be greater than 0' };
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) {
    return /^\d+\.\d{3,}$/.test(text)
      ? { ok: false, error: 'price must have at most 2 decimal places' }
      : { ok: false, error: 'price must be a plain decimal such as 19.99' };
  }
  const cents = BigInt(m[1] as string) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0');
  if (cents <= 0n) return { ok: false, error: 'price must be greater than 0' };
  if (cents > MAX_PRICE_CENTS) return { ok: false, error: 'price is too large' };
  return { ok: true, cents };
}

/** Parse a price into cents; throws RangeError with the reason when invalid. */
export function parsePriceCents(value: unknown): bigint {
  const r = tryParsePrice(value);
  if (!r.ok) throw new RangeError(r.error);
  return r.cents;
}

/** Cents → "19.99" (exact, for responses). */
export function formatCents(cents: bigint | string): string {
  const c = BigInt(cents);
  const sign = c < 0n ? '-' : '';
  const abs = c < 0n ? -c : c;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}
