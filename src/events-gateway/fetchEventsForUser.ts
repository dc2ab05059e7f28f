/**
 * The fan-out behind GET /getEventsByUserId: a user's events fetched in parallel, at most
 * `concurrency` at a time (cockatiel bulkhead), each distinct id once. Fail fast, as the gateway's
 * published contract does (docs/upstreams.md#event-service): the first event that cannot be fetched (after the policy's retries) fails the whole
 * answer at once, and queued fetches of this request are dropped without calling upstream.
 * Fetches already in flight run on (other requests may be sharing them).
 */
import { bulkhead } from 'cockatiel';
import type { Event } from './eventSchemas.ts';

/** Default bound of concurrent event fetches per request. */
export const DEFAULT_FANOUT_CONCURRENCY = 16;

/** Some of a user's events could not be fetched. */
export class EventFetchFailedError extends Error {
  override name = 'EventFetchFailedError';
  /** Ids known to have failed when the request gave up (at least one). */
  readonly failedIds: string[];
  constructor(failedIds: string[], cause: unknown) {
    super(`could not fetch event(s) ${failedIds.join(', ')}`, { cause });
    this.failedIds = failedIds;
  }
}

/** Fetch the events `eventIds` names, in that order (a repeated id is fetched once and repeated). */
export async function fetchEventsForUser(eventIds: readonly string[], fetchEvent: (id: string) => Promise<Event>, opts: { concurrency: number }): Promise<Event[]> {
  const unique = [...new Set(eventIds)];
  const slots = bulkhead(Math.max(1, Math.floor(opts.concurrency)), Infinity);
  const failedIds: string[] = [];
  let failure: EventFetchFailedError | undefined;
  const fetched = await Promise.all(
    unique.map((id) =>
      slots.execute(async () => {
        if (failure) throw failure;
        try {
          return await fetchEvent(id);
        } catch (err) {
          failedIds.push(id);
          failure ??= new EventFetchFailedError(failedIds, err);
          throw failure;
        }
      }),
    ),
  );
  const byId = new Map(unique.map((id, i) => [id, fetched[i] as Event]));
  return eventIds.map((id) => byId.get(id) as Event);
}
