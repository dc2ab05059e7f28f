/** Revenue query filters: the zod schema the routes validate with, and a parser for direct callers. */
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { connectionIdSchema } from '../connections/index.ts';

/** Sources that write payments (the only valid `source` filter values). */
export const REVENUE_SOURCES = ['stripe', 'hubspot'] as const;

/** A payment source. */
export type RevenueSource = (typeof REVENUE_SOURCES)[number];

/** Validated filters shared by summary, daily and weekly. Dates are inclusive local dates in `timezone`. */
export interface RevenueFilters {
  startDate?: string;
  endDate?: string;
  source?: RevenueSource;
  /** One connection (upstream account); an id no payment carries yields zero revenue, as on the data endpoints. */
  connectionId?: string;
  currency: string;
  timezone: string;
}

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || s.startsWith('0000')) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * True for an IANA zone name both ICU and PostgreSQL understand by the same name. Numeric
 * offsets ("+05:30") are refused: PostgreSQL reads POSIX offsets with the opposite sign.
 */
export function isIanaTimeZone(tz: string): boolean {
  if (tz.length > 64 || !/^[A-Za-z][\w+-]*(\/[\w+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const date = z.string().refine(isCalendarDate, { message: 'must be a real date written YYYY-MM-DD' });

/** Query string of GET /metrics/revenue/{summary,daily,weekly}. */
export const revenueQuerySchema = z
  .object({
    startDate: date.optional().describe('First day included, YYYY-MM-DD in `timezone`'),
    endDate: date.optional().describe('Last day included, YYYY-MM-DD in `timezone`'),
    source: z.enum(REVENUE_SOURCES).optional().describe('Only payments from this source'),
    connectionId: connectionIdSchema
      .optional()
      .describe('Only payments of this connection (upstream account), e.g. stripe-default or conn_…; an unknown id yields zero revenue'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of 3 uppercase letters').default('USD'),
    timezone: z.string().refine(isIanaTimeZone, { message: 'must be an IANA time zone such as Europe/London' }).default('UTC'),
  })
  .superRefine((q, ctx) => {
    if (q.startDate && q.endDate && q.startDate > q.endDate) {
      ctx.addIssue({ code: 'custom', path: ['startDate'], message: 'startDate must be on or before endDate' });
    }
  });

/** Validate filters for direct callers (jobs, CLI); throws `validation_failed` naming the field. */
export function parseRevenueFilters(input: unknown): RevenueFilters {
  const parsed = revenueQuerySchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new AppError('validation_failed', `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid value'}`, { details: { field: field || null } });
}

/** A time-zone error raised by PostgreSQL, as the validation error the caller should see. */
export function timeZoneRejected(err: unknown, timezone: string): AppError | undefined {
  const e = err as { code?: string; message?: string };
  if (e?.code === '22023' && /time zone/i.test(e.message ?? '')) {
    return new AppError('validation_failed', `timezone: unknown time zone ${JSON.stringify(timezone)}`, { details: { field: 'timezone' } });
  }
  return undefined;
}
