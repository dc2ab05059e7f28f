/**
 * Exact money parsing shared by the connectors: upstream decimal strings ("1500.50") and JSON
 * numbers (ad-platform budgets) become integer minor units (bigint) by string arithmetic only —
 * no floating point ever touches an amount. Hand-written because it is ~40 lines and a decimal
 * library would still need the ISO 4217 exponent table and our rejection rules.
 */

/** Thrown for an amount that is not an exact, non-negative decimal in the currency's minor units. */
export class MoneyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyFormatError';
  }
}

// ISO 4217 minor-unit exponents that differ from the usual 2 (the common currencies).
const ZERO_DECIMAL = ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'];
const THREE_DECIMAL = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'];
const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...ZERO_DECIMAL.map((c) => [c, 0] as const),
  ...THREE_DECIMAL.map((c) => [c, 3] as const),
]);

/** Minor-unit exponent of an ISO 4217 currency (2 unless listed as 0- or 3-decimal). */
export function minorUnitExponent(currency: string): number {
  return EXPONENTS.get(currency.toUpperCase()) ?? 2;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parse a plain non-negative decimal string ("1500", "1500.5", "1500.50") into minor units of a
 * currency with `exponent` decimals. Digits past the exponent are accepted only when they are
 * zeros ("1500.500" USD is exact); anything else ("12,34", "1e3", ".5", "-1", "1.234" USD)
 * throws MoneyFormatError.
 */
export function parseDecimalToMinor(text: string, exponent: number): bigint {
  const m = DECIMAL.exec(text);
  if (!m) {
    const why = text.trim().startsWith('-') ? 'negative amounts are not allowed' : 'expected a plain decimal such as "1500.50"';
    throw new MoneyFormatError(`invalid amount ${JSON.stringify(text)}: ${why}`);
  }
  const whole = m[1] as string;
  const frac = m[2] ?? '';
  const kept = frac.slice(0, exponent);
  if (/[^0]/.test(frac.slice(exponent))) {
    throw new MoneyFormatError(`invalid amount ${JSON.stringify(text)}: more than ${exponent} decimal places for this currency`);
  }
  return BigInt(whole + kept.padEnd(exponent, '0'));
}

/**
 * Parse a JSON number of currency units (e.g. budget 1234.56) into minor units, exactly: the
 * shortest decimal form of the number (what JSON carried) is parsed as text.
 */
export function numberToMinor(value: number, exponent: number): bigint {
  if (!Number.isFinite(value)) throw new MoneyFormatError(`invalid amount ${value}: not a finite number`);
  if (value < 0 || Object.is(value, -0)) throw new MoneyFormatError(`invalid amount ${value}: negative amounts are not allowed`);
  const text = String(value);
  if (/e/i.test(text)) throw new MoneyFormatError(`invalid amount ${text}: out of range for exact parsing`);
  return parseDecimalToMinor(text, exponent);
}

/** Render minor units as a decimal string with `exponent` decimals (inverse of parseDecimalToMinor). */
export function formatMinor(minor: bigint, exponent: number): string {
  if (minor < 0n) throw new MoneyFormatError(`invalid amount ${minor}: negative amounts are not allowed`);
  if (exponent === 0) return minor.toString();
  const digits = minor.toString().padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
