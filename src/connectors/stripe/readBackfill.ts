/**
 * Full backfill of Stripe: every charge, then every refund (list endpoints, newest first,
 * `limit` + `starting_after`), then the events that happened meanwhile. The Events API anchor is
 * taken BEFORE listing starts, so the catch-up read replays every change made during the
 * backfill. Each page's cursor names the last id committed, so a crash resumes the listing.
 * Every listed record carries the version of its read (../versions.ts): a page fetched before an
 * event, but written or retried after it, can never replace the event's newer state.
 */
import type Stripe from 'stripe';
import { StaleCursorError, type Page, type PageContext } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { stripeReadVersion } from '../versions.ts';
import { encodeStripeCursor, type EventAnchor, type StripeCursor } from './cursor.ts';
import { PAYMENT_EVENT_TYPES, readEvents, type EventReadDeps } from './readEvents.ts';
import { callStripe, rejectedCursor } from './stripeApi.ts';

type IdList = { data: Array<{ id: string }>; has_more: boolean };

/** The Events API position right now (newest payment event), for a backfill about to start. */
export async function takeAnchor(deps: EventReadDeps, ctx: PageContext): Promise<EventAnchor> {
  const res = (await callStripe(deps.policy, ctx, () => deps.stripe.events.list({ limit: 1, types: PAYMENT_EVENT_TYPES }))) as { data: Array<{ id: string; created: number }> };
  const newest = res.data[0];
  // `since` (used only when no event exists yet) leaves an hour of slack for clock skew.
  const since = Math.floor(deps.clock.now() / 1000) - 3600;
  return newest
    ? { lastEventId: newest.id, lastEventCreated: newest.created, recent: [newest.id], since }
    : { lastEventId: null, lastEventCreated: null, recent: [], since };
}

/** Pages of a backfill from `cursor` (a charges/refunds phase cursor), ending with the event catch-up. */
export async function* readBackfill(deps: EventReadDeps, cursor: Extract<StripeCursor, { phase: 'charges' | 'refunds' }>, ctx: PageContext): AsyncGenerator<Page> {
  const { stripe, policy, pageSize } = deps;
  const { anchor } = cursor;
  const lists = {
    charges: (p: Stripe.ChargeListParams) => stripe.charges.list(p) as Promise<IdList>,
    refunds: (p: Stripe.RefundListParams) => stripe.refunds.list(p) as Promise<IdList>,
  };
  let page = 0;
  let phase = cursor.phase;
  let after = cursor.startingAfter;
  for (;;) {
    throwIfAborted(ctx.signal);
    const params = { limit: pageSize, ...(after ? { starting_after: after } : {}) };
    let res: IdList;
    // Taken before the first attempt: the listing shows a state at least as new as this.
    const version = stripeReadVersion(deps.clock.now());
    try {
      res = await callStripe(policy, ctx, () => lists[phase](params));
    } catch (err) {
      if (rejectedCursor(err)) throw new StaleCursorError(`stripe rejected ${phase} cursor ${after}`, { cause: err });
      throw err;
    }
    const entity = phase === 'charges' ? 'charge' : 'refund';
    const records = res.data.map((o) => ({ ...toRawRecord(entity, o), version }));
    const last = res.data[res.data.length - 1];
    const done = !res.has_more || !last;
    const next: StripeCursor = !done
      ? { v: 1, phase, startingAfter: last.id, anchor }
      : phase === 'charges'
        ? { v: 1, phase: 'refunds', startingAfter: null, anchor }
        : { v: 1, phase: 'events', anchor };
    ctx.onProgress?.({ entity, page: ++page, records: records.length });
    yield { records, cursorAfter: encodeStripeCursor(next) };
    if (next.phase === 'events') break;
    phase = next.phase;
    after = next.startingAfter;
  }
  yield* readEvents(deps, anchor, ctx, page);
}
