/**
 * Google Calendar events → calendar_events rows (pure).
 *
 * Cancellation contract: an incremental (sync-token) read returns deleted events as
 * `{id, status: "cancelled"}` with nothing else. Such a row has status 'cancelled' and null
 * summary/start/end/allDay, meaning "keep what is stored" (the pipeline coalesces nulls). A live
 * event without a title gets summary '' (not null) so that coalescing never resurrects an old title.
 * Google's `updated` is the row's version; a cancellation without it gets its version from the
 * connector (the listing's `updated`). Cancelled is Google's word for deleted ("cancelled: the
 * event is cancelled (deleted)"), so a cancelled row is also marked deleted — kept, with status
 * 'cancelled', and hidden by the data endpoints unless asked for; an event that comes back
 * confirmed is restored.
 */
import { z } from 'zod';
import { NormalizeError, type CalendarEventRow, type UnifiedRecord } from '../contract.ts';
import { timestampSchema } from '../timestamps.ts';
import { timeVersion } from '../versions.ts';

const eventTime = z
  .object({ dateTime: timestampSchema.optional(), date: z.iso.date().optional(), timeZone: z.string().optional() })
  .refine((t) => t.dateTime !== undefined || t.date !== undefined, { message: 'expected dateTime or date' });

/** A Google Calendar event (v3). */
export const calendarEventSchema = z.discriminatedUnion('status', [
  z.object({ id: z.string().min(1), status: z.literal('cancelled'), updated: timestampSchema.optional() }),
  z.object({
    id: z.string().min(1),
    status: z.enum(['confirmed', 'tentative']),
    summary: z.string().optional(),
    start: eventTime,
    end: eventTime,
    updated: timestampSchema.optional(),
  }),
]);

// An all-day event's `date` has no zone; it is stored as that date's UTC midnight.
function instant(t: { dateTime?: string | undefined; date?: string | undefined }): string {
  return t.dateTime ?? `${t.date}T00:00:00.000Z`;
}

/** A normalizer bound to the calendar being synced (events do not carry their calendar id). */
export function createGcalNormalizer(calendarId: string) {
  /** Normalize one event; throws ZodError naming the field for a malformed one. */
  function normalize(entity: string, payload: unknown): UnifiedRecord[] {
    if (entity !== 'event') throw new NormalizeError(`gcal: unknown entity ${JSON.stringify(entity)}`);
    const e = calendarEventSchema.parse(payload);
    const base = { source: 'gcal' as const, externalId: e.id, calendarId, sourceUpdatedAt: e.updated ?? null, sourceVersion: e.updated ? timeVersion(e.updated) : null };
    const row: CalendarEventRow =
      e.status === 'cancelled'
        ? { ...base, status: 'cancelled', summary: null, startsAt: null, endsAt: null, allDay: null, deleted: true, deletedAt: e.updated ?? null }
        : {
            ...base,
            status: e.status,
            summary: e.summary ?? '',
            startsAt: instant(e.start),
            endsAt: instant(e.end),
            allDay: e.start.dateTime === undefined,
          };
    return [{ table: 'calendar_events', row }];
  }
  return { normalize };
}
