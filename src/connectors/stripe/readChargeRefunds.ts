/**
 * Refunds read for every charge an event page says was refunded. Since API version 2022-11-15 a
 * charge carries no `refunds` list, and an account whose default API version predates
 * 2024-10-28 emits no `refund.*` events for charge refunds: there, `charge.refunded` would be
 * the only trace of a new refund and the refund row itself would never be written. Listing
 * `GET /v1/refunds?charge=…` for those charges makes every refund reach the page whatever the
 * account's version (docs/upstreams.md, Stripe). Re-read refunds are deduplicated downstream.
 * A charge Stripe answers missing for is gone: the page carries its deleted record instead
 * (./deletedRecord.ts).
 */
import type { Page, PageContext, RawRecord } from '../contract.ts';
import { toRawRecord } from '../rawRecord.ts';
import type { EventReadDeps } from './readEvents.ts';
import { deletedRecord, isResourceMissing } from './deletedRecord.ts';
import { callStripe } from './stripeApi.ts';

/** Event types whose charge may have a refund no other record in the page names. */
const REFUNDING_EVENTS = new Set(['charge.refunded', 'charge.refund.updated']);

type RefundList = { data: Array<{ id: string }>; has_more: boolean };

/** `pages` with, in each, the refunds of the charges its refunding events name. */
export async function* withChargeRefunds(deps: EventReadDeps, pages: AsyncIterable<Page>, ctx: PageContext): AsyncGenerator<Page> {
  for await (const page of pages) {
    const charges = refundedCharges(page.records);
    if (charges.length === 0) {
      yield page;
      continue;
    }
    const refunds: RawRecord[] = [];
    for (const charge of charges) refunds.push(...(await listRefunds(deps, charge, ctx)));
    yield { ...page, records: [...page.records, ...refunds] };
  }
}

/** Ids of the charges refunded by the page's events (`charge.refund.updated` carries a refund). */
function refundedCharges(records: readonly RawRecord[]): string[] {
  const ids = new Set<string>();
  for (const r of records) {
    if (r.entity !== 'event') continue;
    const e = r.payload as { type?: unknown; data?: { object?: { object?: unknown; id?: unknown; charge?: unknown } } } | null;
    if (!e || typeof e.type !== 'string' || !REFUNDING_EVENTS.has(e.type)) continue;
    const obj = e.data?.object;
    const id = obj?.object === 'charge' ? obj.id : obj?.object === 'refund' ? obj.charge : undefined;
    if (typeof id === 'string' && id.length > 0) ids.add(id);
  }
  return [...ids];
}

async function listRefunds(deps: EventReadDeps, charge: string, ctx: PageContext): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const sentAt = deps.clock.now();
    let res: RefundList;
    try {
      res = (await callStripe(deps.policy, ctx, () => deps.stripe.refunds.list({ charge, limit: 100, ...(after ? { starting_after: after } : {}) }))) as RefundList;
    } catch (err) {
      if (!isResourceMissing(err, 'charge')) throw err;
      return [deletedRecord('charge', charge, sentAt)];
    }
    out.push(...res.data.map((o) => toRawRecord('refund', o)));
    const last = res.data[res.data.length - 1];
    if (!res.has_more || !last) return out;
    after = last.id;
  }
}
