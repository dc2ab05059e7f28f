/** fast-check generators for revenue tests: payments near DST transitions, late updates, filters, several connections. */
import fc from 'fast-check';
import type { Queryable } from '../../src/db/index.ts';
import { connectionOf, upsertPayments, type RefFilters, type TestPayment } from './reference.ts';

/**
 * Three connections (accounts) per source: the default one and two more. Keys are drawn from one
 * small pool, so the same external id often exists in several connections at once, and the
 * per-source rollup rows sum several connections' rows.
 */
export const CONNECTIONS = { stripe: ['stripe-default', 'conn_stripe_b', 'conn_stripe_c'], hubspot: ['hubspot-default', 'conn_hubspot_b', 'conn_hubspot_c'] } as const;

/** Zones with DST (whole-hour, 30-minute, midnight-adjacent) and odd fixed offsets. */
export const TIME_ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Atlantic/Azores', 'Pacific/Chatham', 'America/St_Johns', 'America/Havana'] as const;

// UTC instants of 2026 transitions and of local midnights in the zones above.
const ANCHORS = [
  '2026-03-08T07:00:00Z', // New York spring forward
  '2026-03-08T05:00:00Z', // …its local midnight
  '2026-11-01T06:00:00Z', // New York fall back
  '2026-11-01T04:00:00Z', // …its local midnight
  '2026-03-29T01:00:00Z', // London spring forward; Azores skips local midnight (day starts 01:00Z)
  '2026-10-25T01:00:00Z', // London and Azores fall back
  '2026-10-25T00:00:00Z', // Azores: the day whose 00:00–01:00 happens twice starts here
  '2026-10-24T23:00:00Z', // London local midnight before falling back
  '2026-04-04T15:00:00Z', // Lord Howe: 30-minute fall back
  '2026-10-03T15:30:00Z', // Lord Howe: 30-minute spring forward
  '2026-01-09T13:00:00Z', // Lord Howe midnight at +11
  '2026-06-13T13:30:00Z', // Lord Howe midnight at +10:30
  '2026-06-14T18:15:00Z', // Kathmandu midnight (+05:45)
  '2026-01-04T18:15:00Z', // Kathmandu midnight, a Monday
  '2026-04-04T14:00:00Z', // Chatham fall back (+13:45 → +12:45)
  '2026-01-09T10:15:00Z', // Chatham midnight at +13:45
  '2026-06-13T11:15:00Z', // Chatham midnight at +12:45
  '2026-03-08T05:30:00Z', // St John's spring forward (−03:30 → −02:30)
  '2026-07-06T02:30:00Z', // St John's midnight at −02:30, a Monday
].map((s) => new Date(s).getTime());

const MINUTE = 60_000;

/** An instant near a transition or local midnight (often exactly on a quarter hour), or anywhere in 2026. */
export const arbInstant: fc.Arbitrary<Date> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        anchor: fc.constantFrom(...ANCHORS),
        minutes: fc.oneof(fc.integer({ min: -12, max: 12 }).map((q) => q * 15), fc.integer({ min: -180, max: 180 }), fc.integer({ min: -36 * 60, max: 36 * 60 })),
        ms: fc.constantFrom(0, 0, 0, 1, 59_999, 30_000),
      })
      .map(({ anchor, minutes, ms }) => new Date(anchor + minutes * MINUTE + ms)),
  },
  { weight: 1, arbitrary: fc.date({ min: new Date('2025-12-25T00:00:00Z'), max: new Date('2027-01-05T00:00:00Z'), noInvalidDate: true }) },
);

const amount = fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 10n ** 15n }));
const key = fc.integer({ min: 1, max: 30 }).map((n) => `p${n}`);
const currency = fc.constantFrom('USD', 'EUR', 'GBP');

/** A payment with a refund of none, part or all of it. */
export const arbPayment: fc.Arbitrary<TestPayment> = fc
  .record({
    source: fc.constantFrom('stripe' as const, 'hubspot' as const),
    account: fc.integer({ min: 0, max: 2 }),
    externalId: key,
    kind: fc.constantFrom('charge' as const, 'charge' as const, 'charge' as const, 'refund' as const),
    status: fc.constantFrom(...(['COLLECTED', 'COLLECTED', 'COLLECTED', 'REFUNDED', 'REFUNDED', 'PENDING', 'FAILED', 'UNKNOWN'] as const)),
    amountCents: amount,
    refundQuarters: fc.integer({ min: 0, max: 4 }),
    currency,
    occurredAt: arbInstant,
  })
  .map(({ refundQuarters, account, ...p }) => ({ ...p, connectionId: CONNECTIONS[p.source][account], refundedCents: (p.amountCents * BigInt(refundQuarters)) / 4n }));

/** A write as ingestion (or an operator) might make it, late updates included. */
export type Op =
  | { type: 'upsert'; rows: TestPayment[] }
  | { type: 'status'; id: string; status: TestPayment['status'] }
  | { type: 'amount'; id: string; amountCents: bigint }
  | { type: 'refund'; id: string }
  | { type: 'currency'; id: string; currency: string }
  | { type: 'source'; id: string }
  | { type: 'connection'; id: string; to: string }
  | { type: 'move'; id: string; minutes: number }
  | { type: 'shiftAll'; minutes: number }
  | { type: 'delete'; id: string };

/** Any write. */
export const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('upsert' as const), rows: fc.array(arbPayment, { maxLength: 15, size: 'medium' }) }) },
  fc.record({ type: fc.constant('status' as const), id: key, status: fc.constantFrom('COLLECTED' as const, 'PENDING' as const, 'FAILED' as const, 'REFUNDED' as const, 'UNKNOWN' as const) }),
  fc.record({ type: fc.constant('amount' as const), id: key, amountCents: amount }),
  fc.record({ type: fc.constant('refund' as const), id: key }),
  fc.record({ type: fc.constant('currency' as const), id: key, currency }),
  fc.record({ type: fc.constant('source' as const), id: key }),
  fc.record({ type: fc.constant('connection' as const), id: key, to: fc.constantFrom(...CONNECTIONS.stripe, ...CONNECTIONS.hubspot) }),
  fc.record({ type: fc.constant('move' as const), id: key, minutes: fc.integer({ min: -3000, max: 3000 }) }),
  fc.record({ type: fc.constant('shiftAll' as const), minutes: fc.constantFrom(-60, -15, 15, 45, 24 * 60) }),
  fc.record({ type: fc.constant('delete' as const), id: key }),
);

/** Apply one write as a single SQL statement (so multi-row statements exercise the batch path). */
export async function applyOp(db: Queryable, op: Op): Promise<void> {
  switch (op.type) {
    case 'upsert': {
      // One statement cannot upsert a key twice; keep the last version of each key.
      const last = new Map(op.rows.map((r) => [`${connectionOf(r)}/${r.externalId}`, r]));
      return upsertPayments(db, [...last.values()]);
    }
    case 'status':
      await db.query('UPDATE payments SET status = $2 WHERE external_id = $1', [op.id, op.status]);
      return;
    case 'amount':
      await db.query('UPDATE payments SET amount_cents = $2::bigint, refunded_cents = least(refunded_cents, $2::bigint) WHERE external_id = $1', [op.id, op.amountCents.toString()]);
      return;
    case 'refund':
      await db.query(`UPDATE payments SET refunded_cents = amount_cents, status = CASE WHEN kind = 'charge' THEN 'REFUNDED' ELSE status END WHERE external_id = $1`, [op.id]);
      return;
    case 'currency':
      await db.query('UPDATE payments SET currency = $2 WHERE external_id = $1', [op.id, op.currency]);
      return;
    case 'source':
      // Rows stay unique per (connection, external id), so relabelling the source cannot collide.
      await db.query(`UPDATE payments p SET source = CASE p.source WHEN 'stripe' THEN 'hubspot' ELSE 'stripe' END WHERE p.external_id = $1`, [op.id]);
      return;
    case 'connection':
      // Ingestion never moves a payment between connections; the rollup must stay exact if anyone does.
      await db.query(
        `UPDATE payments p SET connection_id = $2
         WHERE p.id = (SELECT min(id) FROM payments WHERE external_id = $1 AND connection_id <> $2)
           AND NOT EXISTS (SELECT 1 FROM payments o WHERE o.external_id = $1 AND o.connection_id = $2)`,
        [op.id, op.to],
      );
      return;
    case 'move':
      await db.query(`UPDATE payments SET occurred_at = occurred_at + make_interval(mins => $2) WHERE external_id = $1`, [op.id, op.minutes]);
      return;
    case 'shiftAll':
      await db.query(`UPDATE payments SET occurred_at = occurred_at + make_interval(mins => $1) WHERE external_id LIKE 'p1%'`, [op.minutes]);
      return;
    case 'delete':
      await db.query('DELETE FROM payments WHERE external_id = $1', [op.id]);
      return;
  }
}

const day = fc.integer({ min: 0, max: 400 }).map((n) => new Date(Date.UTC(2025, 11, 28) + n * 86_400_000).toISOString().slice(0, 10));

/** View filters: any zone and currency, all or one source, all or one connection (known or not), open, half-open or closed date ranges. */
export const arbFilters: fc.Arbitrary<RefFilters> = fc
  .record({
    timezone: fc.constantFrom(...TIME_ZONES),
    currency,
    source: fc.option(fc.constantFrom('stripe' as const, 'hubspot' as const), { nil: undefined }),
    connectionId: fc.option(fc.constantFrom(...CONNECTIONS.stripe, ...CONNECTIONS.hubspot, 'conn_unknown'), { nil: undefined, freq: 2 }),
    a: fc.option(day, { nil: undefined, freq: 2 }),
    b: fc.option(day, { nil: undefined, freq: 2 }),
  })
  .map(({ a, b, ...f }) => {
    const [startDate, endDate] = a && b && a > b ? [b, a] : [a, b];
    return { ...f, ...(startDate ? { startDate } : {}), ...(endDate ? { endDate } : {}) };
  });
