/** Pure formatting for the page: exact money from minor-unit strings, ages, durations. */

const digitsCache = new Map<string, number>();

/** Minor-unit digits of a currency (2 for USD, 0 for JPY), as Intl knows them. */
export function minorDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/** Exact decimal string of a minor-unit amount: ("-12345", 2) → "-123.45". BigInt, so no float rounding. */
export function minorToDecimal(minor: string, digits: number): `${number}` {
  const v = BigInt(minor);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  if (digits === 0) return `${neg ? '-' : ''}${abs}` as `${number}`;
  const scale = 10n ** BigInt(digits);
  const frac = (abs % scale).toString().padStart(digits, '0');
  return `${neg ? '-' : ''}${abs / scale}.${frac}` as `${number}`;
}

/** A minor-unit amount as money text in the user's locale, exactly (Intl formats decimal strings exactly). */
export function formatMoney(minor: string, currency: string): string {
  const digits = minorDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minorToDecimal(minor, digits));
  } catch {
    return `${minorToDecimal(minor, digits)} ${currency}`;
  }
}

/** A minor-unit amount as a number of major units, for plotting only (never for sums). */
export function minorToChartValue(minor: string, currency: string): number {
  return Number(minorToDecimal(minor, minorDigits(currency)));
}

/** A whole number with thousands separators. */
export function formatCount(n: number): string {
  return new Intl.NumberFormat().format(n);
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago"; "never" for null. */
export function formatAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** A duration in ms as "850 ms", "12.3 s", "4 min 5 s", "2 h 3 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A timestamp as local date and time, short. */
export function formatTime(iso: string | null): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A local calendar date (YYYY-MM-DD) `days` before today in `timeZone`. */
export function dateDaysAgo(days: number, timeZone: string, now: number = Date.now()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(now - days * 86_400_000));
}

/**
 * One readable line for an error message. Validation errors (zod) carry a JSON array of issues
 * as their message; those become "field: problem; …".
 */
export function summarizeError(message: string): string {
  const trimmed = message.trim();
  if (trimmed.startsWith('[')) {
    try {
      const issues = JSON.parse(trimmed) as Array<{ path?: unknown[]; message?: string }>;
      if (Array.isArray(issues) && issues.length > 0) {
        return issues.map((i) => `${Array.isArray(i.path) && i.path.length ? `${i.path.join('.')}: ` : ''}${i.message ?? 'invalid'}`).join('; ');
      }
    } catch {
      // Not JSON after all: fall through.
    }
  }
  return trimmed.replace(/\s+/g, ' ');
}
