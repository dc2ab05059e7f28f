/**
 * The Stripe connector: one stream, 'charge', producing 'charge' and 'refund' records (full
 * backfill) and 'event' records (incremental, Events API) plus the refunds of charges those
 * events refunded (never from `charge.refunds`, which Stripe no longer sends). Cursor format: ./cursor.ts.
 *
 * Modes: 'full' starts a fresh backfill unless the cursor is a backfill in progress (then it
 * resumes). 'incremental' reads events from the stored anchor; with no cursor (first run) or a
 * backfill in progress it runs/resumes the backfill instead.
 */
import type Stripe from 'stripe';
import { systemClock, type Clock, type UpstreamPolicy } from '../../resilience/index.ts';
import type { Connector, EntityStream } from '../contract.ts';
import { decodeStripeCursor } from './cursor.ts';
import { normalizeStripe, stripeOwnRecord, unmappedStripeStatus } from './normalize.ts';
import { readBackfill, takeAnchor } from './readBackfill.ts';
import { withChargeRefunds } from './readChargeRefunds.ts';
import { readEvents } from './readEvents.ts';
import { createStripeTargeted } from './readTargeted.ts';
import { createStripeClient } from './stripeApi.ts';

/** What the Stripe connector needs. */
export interface StripeConnectorDeps {
  apiKey: string;
  /** Base URL (the sandbox, or unset for api.stripe.com). */
  apiBase?: string;
  /** The 'stripe' policy; its timeout also bounds the client's own request timeout. */
  policy: UpstreamPolicy;
  timeoutMs?: number;
  clock?: Clock;
  /** List page size (Stripe's maximum, 100, unless a test wants more pages). */
  pageSize?: number;
  /** A ready client (tests); otherwise one is built from apiKey/apiBase. */
  client?: Stripe;
}

/** Build the Stripe connector. */
export function createStripeConnector(deps: StripeConnectorDeps): Connector {
  const stripe = deps.client ?? createStripeClient(deps.apiKey, deps.apiBase, deps.timeoutMs ?? 30_000);
  const read = { stripe, policy: deps.policy, clock: deps.clock ?? systemClock, pageSize: Math.min(100, deps.pageSize ?? 100) };

  const stream: EntityStream = {
    entity: 'charge',
    entities: ['charge', 'refund', 'event', 'deleted'],
    async *pages(cursorText, mode, ctx) {
      const cursor = decodeStripeCursor(cursorText);
      // Event pages also carry the refunds of the charges they say were refunded (./readChargeRefunds.ts).
      if (cursor && cursor.phase !== 'events') {
        yield* withChargeRefunds(read, readBackfill(read, cursor, ctx), ctx);
      } else if (cursor && mode === 'incremental') {
        yield* withChargeRefunds(read, readEvents(read, cursor.anchor, ctx), ctx);
      } else {
        const anchor = await takeAnchor(read, ctx);
        yield* withChargeRefunds(read, readBackfill(read, { v: 1, phase: 'charges', startingAfter: null, anchor }, ctx), ctx);
      }
    },
  };

  return { source: 'stripe', streams: [stream], normalize: normalizeStripe, ownRecord: stripeOwnRecord, unmappedStatus: unmappedStripeStatus, targeted: createStripeTargeted(read) };
}
