/**
 * Incremental read of the Stripe Events API from an anchor: `ending_before` the oldest of the
 * anchor's recent ids (a small overlap), paging toward the newest; each page's cursor is the
 * newest event read. An anchor past the 30-day retention (known from its timestamp, or answered
 * "No such event") is a StaleCursorError: the pipeline then runs a full backfill.
 */
import type Stripe from 'stripe';
import type { Clock, UpstreamPolicy } from '../../resilience/index.ts';
import { StaleCursorError, type Page, type PageContext, type RawRecord } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { stripeEventVersion } from '../versions.ts';
import { advanceAnchor, encodeStripeCursor, type EventAnchor } from './cursor.ts';
import { callStripe, rejectedCursor } from './stripeApi.ts';

/** Event types that change a charge or a refund. */
export const PAYMENT_EVENT_TYPES = [
  'charge.succeeded',
  'charge.failed',
  'charge.pending',
  'charge.captured',
  'charge.expired',
  'charge.refunded',
  'charge.updated',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
];

/** Stripe keeps events for 30 days; an anchor within an hour of that is treated as gone. */
const RETENTION_S = 30 * 86_400 - 3600;

/** What reading events needs. */
export interface EventReadDeps {
  stripe: Stripe;
  policy: UpstreamPolicy;
  clock: Clock;
  pageSize: number;
}

type EventList = { data: Array<{ id: string; created: number }>; has_more: boolean };

/** Pages of events after `anchor`, oldest page first; each carries the advanced events cursor. */
export async function* readEvents(deps: EventReadDeps, anchor: EventAnchor, ctx: PageContext, startPage = 0): AsyncGenerator<Page> {
  const { stripe, policy, pageSize } = deps;
  const list = (params: Stripe.EventListParams) => callStripe(policy, ctx, () => stripe.events.list({ ...params, limit: pageSize, types: PAYMENT_EVENT_TYPES }) as Promise<EventList>);
  if (anchor.lastEventCreated !== null && deps.clock.now() / 1000 - anchor.lastEventCreated > RETENTION_S) {
    throw new StaleCursorError(`stripe event cursor ${anchor.lastEventId} is older than the 30-day event retention`);
  }
  let page = startPage;
  if (anchor.lastEventId === null) {
    yield* readAllSince(list, anchor, ctx, page);
    return;
  }
  const lastEventId = anchor.lastEventId;
  let before = anchor.recent[anchor.recent.length - 1] ?? lastEventId;
  for (;;) {
    throwIfAborted(ctx.signal);
    let res: EventList;
    try {
      res = await list({ ending_before: before });
    } catch (err) {
      if (!rejectedCursor(err)) throw err;
      // The overlap anchor may have just expired while the newest one is still there.
      if (before !== lastEventId) {
        before = lastEventId;
        continue;
      }
      throw new StaleCursorError(`stripe rejected event cursor ${before} (expired or unknown)`, { cause: err });
    }
    anchor = advanceAnchor(anchor, res.data);
    const records = [...res.data].reverse().map(eventRecord);
    ctx.onProgress?.({ entity: 'event', page: ++page, records: records.length });
    yield { records, cursorAfter: encodeStripeCursor({ v: 1, phase: 'events', anchor }) };
    const newest = res.data[0];
    if (!res.has_more || !newest) return;
    before = newest.id;
  }
}

// No event existed when the anchor was taken: read every event created since then (newest
// first, so the pages are gathered before any cursor is stored), then hand them out oldest first.
async function* readAllSince(list: (p: Stripe.EventListParams) => Promise<EventList>, anchor: EventAnchor, ctx: PageContext, page: number): AsyncGenerator<Page> {
  const all: EventList['data'] = [];
  let after: string | undefined;
  for (;;) {
    throwIfAborted(ctx.signal);
    const res = await list({ created: { gte: anchor.since }, ...(after ? { starting_after: after } : {}) });
    all.push(...res.data);
    const last = res.data[res.data.length - 1];
    if (!res.has_more || !last) break;
    after = last.id;
  }
  const size = 100;
  const oldestFirst = all.reverse();
  for (let i = 0; i < oldestFirst.length; i += size) {
    const chunk = oldestFirst.slice(i, i + size);
    const last = i + size >= oldestFirst.length;
    const records = chunk.map(eventRecord);
    ctx.onProgress?.({ entity: 'event', page: ++page, records: records.length });
    const cursorAfter = last ? encodeStripeCursor({ v: 1, phase: 'events', anchor: advanceAnchor(anchor, [...chunk].reverse()) }) : null;
    yield { records, cursorAfter };
  }
}

// The event's own version travels with it (a malformed one is left to the normalizer's DLQ).
function eventRecord(e: { id: string; created: number }): RawRecord {
  const version = Number.isInteger(e.created) && typeof e.id === 'string' ? stripeEventVersion(e.created, e.id) : null;
  return { ...toRawRecord('event', e), version };
}
