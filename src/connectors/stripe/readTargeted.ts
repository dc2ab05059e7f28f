/**
 * Targeted reads of Stripe (`buffalo sync stripe --id/--since`): one charge or refund by id
 * (`GET /v1/charges/:id`, `GET /v1/refunds/:id`, chosen by the id's prefix, both tried for any
 * other), or the charges and refunds CREATED in a range (`created[gte]`/`created[lt]` — Stripe
 * lists filter by creation only; later changes to older objects come through events). Each
 * record carries the version of its read, like the backfill's.
 */
import type Stripe from 'stripe';
import { UpstreamHttpError } from '../../resilience/index.ts';
import type { Page, PageContext, SyncTarget, TargetedReader } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { rangeBounds } from '../targetRange.ts';
import { stripeReadVersion } from '../versions.ts';
import type { EventReadDeps } from './readEvents.ts';
import { callStripe } from './stripeApi.ts';

type IdList = { data: Array<{ id: string }>; has_more: boolean };

/** The Stripe targeted reader. */
export function createStripeTargeted(deps: EventReadDeps): TargetedReader {
  const { stripe, policy } = deps;

  async function* byId(id: string, ctx: PageContext): AsyncGenerator<Page> {
    const kinds = id.startsWith('re_') ? (['refund'] as const) : id.startsWith('ch_') || id.startsWith('py_') ? (['charge'] as const) : (['charge', 'refund'] as const);
    for (const kind of kinds) {
      const version = stripeReadVersion(deps.clock.now());
      try {
        const obj = await callStripe<unknown>(policy, ctx, () => (kind === 'charge' ? stripe.charges.retrieve(id) : stripe.refunds.retrieve(id)) as Promise<unknown>);
        yield { records: [{ ...toRawRecord(kind, obj), version }], cursorAfter: null };
      } catch (err) {
        if (!(err instanceof UpstreamHttpError && err.status === 404)) throw err;
      }
    }
  }

  async function* byRange(target: Extract<SyncTarget, { kind: 'range' }>, ctx: PageContext): AsyncGenerator<Page> {
    const { fromMs, toMs } = rangeBounds(target);
    const created = { gte: Math.floor(fromMs / 1000), ...(toMs === null ? {} : { lt: Math.floor(toMs / 1000) }) };
    const lists = {
      charge: (p: Stripe.ChargeListParams) => stripe.charges.list(p) as Promise<IdList>,
      refund: (p: Stripe.RefundListParams) => stripe.refunds.list(p) as Promise<IdList>,
    };
    for (const kind of ['charge', 'refund'] as const) {
      let after: string | undefined;
      for (;;) {
        throwIfAborted(ctx.signal);
        const version = stripeReadVersion(deps.clock.now());
        const res = await callStripe(policy, ctx, () => lists[kind]({ limit: deps.pageSize, created, ...(after ? { starting_after: after } : {}) }));
        yield { records: res.data.map((o) => ({ ...toRawRecord(kind, o), version })), cursorAfter: null };
        const last = res.data[res.data.length - 1];
        if (!res.has_more || !last) break;
        after = last.id;
      }
    }
  }

  return {
    refusal: () => null,
    pages: (target, ctx) => (target.kind === 'id' ? byId(target.id, ctx) : byRange(target, ctx)),
  };
}
