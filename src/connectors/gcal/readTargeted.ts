/**
 * Targeted reads of Google Calendar (`buffalo sync gcal --id/--since`): one event by id
 * (`GET …/events/{eventId}`), or the events whose time overlaps a range (`timeMin`/`timeMax`,
 * deleted ones included). Google's `updatedMin` has no upper bound, so the range is by event
 * time, which is also what an operator repairing "last week's meetings" means.
 */
import { UpstreamHttpError } from '../../resilience/index.ts';
import type { PageContext, RawRecord, TargetedReader } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { rangeBounds } from '../targetRange.ts';
import { timeVersion } from '../versions.ts';

type EventsAnswer = { items?: unknown[]; nextPageToken?: string; updated?: unknown };

/** What the reader needs from the connector: its authenticated GET and where the calendar is. */
export interface GcalTargetedDeps {
  eventsUrl: string;
  pageSize: number;
  now: () => number;
  get<T>(url: string, ctx: Pick<PageContext, 'stats' | 'signal'>): Promise<T>;
}

/** The Google Calendar targeted reader. */
export function createGcalTargeted(deps: GcalTargetedDeps): TargetedReader {
  return {
    refusal: () => null,
    async *pages(target, ctx) {
      if (target.kind === 'id') {
        const readAt = deps.now();
        try {
          const ev = await deps.get<unknown>(`${deps.eventsUrl}/${encodeURIComponent(target.id)}`, ctx);
          yield { records: [versioned(toRawRecord('event', ev), timeVersion(readAt))], cursorAfter: null };
        } catch (err) {
          if (!(err instanceof UpstreamHttpError && err.status === 404)) throw err;
        }
        return;
      }
      const { fromMs, toMs } = rangeBounds(target);
      let pageToken: string | undefined;
      for (;;) {
        throwIfAborted(ctx.signal);
        const url = new URL(deps.eventsUrl);
        url.searchParams.set('singleEvents', 'true');
        url.searchParams.set('showDeleted', 'true');
        url.searchParams.set('maxResults', String(deps.pageSize));
        url.searchParams.set('timeMin', new Date(fromMs).toISOString());
        if (toMs !== null) url.searchParams.set('timeMax', new Date(toMs).toISOString());
        if (pageToken) url.searchParams.set('pageToken', pageToken);
        const readAt = deps.now();
        const answer = await deps.get<EventsAnswer>(url.toString(), ctx);
        const listedAt = (typeof answer.updated === 'string' ? timeVersion(answer.updated) : null) ?? timeVersion(readAt);
        yield { records: (answer.items ?? []).map((e) => versioned(toRawRecord('event', e), listedAt)), cursorAfter: null };
        if (!answer.nextPageToken) return;
        pageToken = answer.nextPageToken;
      }
    },
  };
}

// As in the stream: Google's `updated` orders an event's states; without it, the read's time.
function versioned(record: RawRecord, fallback: string | null): RawRecord {
  const updated = (record.payload as { updated?: unknown } | null)?.updated;
  return { ...record, version: (typeof updated === 'string' ? timeVersion(updated) : null) ?? fallback };
}
