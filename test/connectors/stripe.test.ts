import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStripeConnector } from '../../src/connectors/stripe/createStripeConnector.ts';
import { StaleCursorError, type Connector, type PaymentRow } from '../../src/connectors/contract.ts';
import { createPolicy, newCallStats } from '../../src/resilience/index.ts';
import { startStripeSimulator, type StripeTruth } from '../../src/sandbox/stripe/index.ts';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { collect, control, duplicates } from './collect.ts';
import { fastSettings } from './policy.ts';

type Sim = Awaited<ReturnType<typeof startStripeSimulator>>;

function connectorFor(sim: RunningSimulator<unknown>, name: string): Connector {
  const policy = createPolicy(name, fastSettings());
  return createStripeConnector({ apiKey: 'sk_test_connectors', apiBase: sim.url, policy, timeoutMs: 2000, pageSize: 50 });
}

describe('stripe connector against the simulator', () => {
  let sim: Sim;
  let connector: Connector;
  let cursorAfterFull: string | null = null;

  before(async () => {
    sim = await startStripeSimulator({ port: 0, faults: { records: 400, seed: 7 }, chargesPerHour: 6 });
    connector = connectorFor(sim, 'stripe-test');
  });
  after(() => sim.close());

  it('full sync returns every charge and refund exactly once, and an events cursor', async () => {
    const stream = connector.streams[0]!;
    const run = await collect(stream, null, 'full');
    const truth = await control<StripeTruth>(sim.url, '/__sandbox/truth');
    const charges = run.records.filter((r) => r.entity === 'charge').map((r) => r.externalId);
    const refunds = run.records.filter((r) => r.entity === 'refund').map((r) => r.externalId);
    assert.deepEqual(duplicates(charges), []);
    assert.deepEqual(duplicates(refunds), []);
    // Charges created while the backfill ran arrive as events instead; none of the seeded ones is missing.
    const eventObjects = new Set(run.records.filter((r) => r.entity === 'event').map((r) => (r.payload as { data: { object: { id: string } } }).data.object.id));
    const seen = new Set([...charges, ...refunds, ...eventObjects]);
    assert.ok(truth.charges.length >= 400);
    assert.deepEqual(truth.charges.filter((c) => !seen.has(c.id)).map((c) => c.id), []);
    assert.deepEqual(truth.refunds.filter((r) => !seen.has(r.id)).map((r) => r.id), []);
    assert.ok(run.pages.length > 8, 'paged with limit 50');
    cursorAfterFull = run.cursor;
    assert.equal(JSON.parse(run.cursor!).phase, 'events');
  });

  it('a crashed backfill resumes from the last committed page', async () => {
    const stream = connector.streams[0]!;
    const first = await collect(stream, null, 'full', { maxPages: 2 });
    const cursor = JSON.parse(first.cursor!);
    assert.equal(cursor.phase, 'charges');
    const rest = await collect(stream, first.cursor, 'incremental');
    const charges = [...first.records, ...rest.records].filter((r) => r.entity === 'charge').map((r) => r.externalId);
    assert.deepEqual(duplicates(charges), []);
    const truth = await control<StripeTruth>(sim.url, '/__sandbox/truth');
    const seen = new Set([...first.records, ...rest.records].flatMap((r) => [r.externalId, (r.payload as { data?: { object: { id: string } } }).data?.object.id ?? '']));
    assert.deepEqual(truth.charges.filter((c) => !seen.has(c.id)).map((c) => c.id), []);
  });
  it('incremental after time passes picks up new charges and refunds through the Events API', async () => {
    const stream = connector.streams[0]!;
    await control(sim.url, '/__sandbox/advance', { hours: 72 });
    const truth = await control<StripeTruth>(sim.url, '/__sandbox/truth');
    const run = await collect(stream, cursorAfterFull, 'incremental');
    // Events, plus the refunds of the charges charge.refunded events name (./readChargeRefunds.ts).
    const refundedCharges = new Set(run.records.filter((r) => (r.payload as { type?: string }).type === 'charge.refunded').map((r) => (r.payload as { data: { object: { id: string } } }).data.object.id));
    assert.ok(run.records.every((r) => r.entity === 'event' || (r.entity === 'refund' && refundedCharges.has((r.payload as { charge: string }).charge))));
    const ids = run.records.filter((r) => r.entity === 'event').map((r) => r.externalId);
    const read = new Set(ids);
    const anchorCreated = JSON.parse(cursorAfterFull!).anchor.lastEventCreated as number;
    const expected = truth.events.filter((e) => e.created > anchorCreated).map((e) => e.id);
    assert.ok(expected.length > 10, 'the simulator produced activity');
    assert.deepEqual(expected.filter((id) => !read.has(id)), []);
    // A refund arrives as a charge.refunded event whose charge normalizes with its refunded amount.
    const refunded = run.records.find((r) => (r.payload as { type: string }).type === 'charge.refunded');
    assert.ok(refunded, 'a charge.refunded event was read');
    const rows = connector.normalize('event', refunded.payload);
    const row = rows[0]!.row as PaymentRow;
    assert.equal(row.kind, 'charge');
    assert.ok(BigInt(row.refundedCents) > 0n);
    assert.ok(row.status === 'REFUNDED' || row.status === 'COLLECTED');
    // The next incremental starts from the newest event: only the small overlap is re-read.
    const again = (await collect(stream, run.cursor, 'incremental')).records.filter((r) => r.entity === 'event');
    assert.ok(again.length <= 3, `re-read ${again.length} events`);
    assert.ok(again.every((r) => read.has(r.externalId)));
  });

  it('an event cursor past the 30-day retention is a StaleCursorError', async () => {
    const stream = connector.streams[0]!;
    await control(sim.url, '/__sandbox/advance', { days: 31 });
    await assert.rejects(collect(stream, cursorAfterFull, 'incremental'), StaleCursorError);
  });

  it('a garbled cursor is a StaleCursorError', async () => {
    await assert.rejects(collect(connector.streams[0]!, 'not json', 'incremental'), StaleCursorError);
  });

});

for (const chargeRefundEvents of [true, false]) {
  // false: the account's default API version predates refund.* events for charge refunds.
  describe(`stripe connector sees every refund without charge.refunds (refund.* events for charge refunds: ${chargeRefundEvents})`, () => {
    let sim: Sim;
    before(async () => {
      sim = await startStripeSimulator({ port: 0, faults: { records: 300, seed: 23, poisonRate: 0 }, chargesPerHour: 6, oldRefundsPerHour: 20, chargeRefundEvents });
    });
    after(() => sim.close());

    it('every refund in truth becomes a refund row in its latest status (backfill, then events); charges never embed them', async () => {
      const connector = connectorFor(sim, `stripe-refunds-test-${chargeRefundEvents}`);
      const stream = connector.streams[0]!;
      const full = await collect(stream, null, 'full');
      await control(sim.url, '/__sandbox/advance', { hours: 48 });
      const incremental = await collect(stream, full.cursor, 'incremental');
      const truth = await control<StripeTruth>(sim.url, '/__sandbox/truth');
      const types = new Set(incremental.records.filter((r) => r.entity === 'event').map((r) => (r.payload as { type: string }).type));
      assert.equal(types.has('refund.created'), chargeRefundEvents);
      const records = [...full.records, ...incremental.records];
      const rows = records.flatMap((r) => connector.normalize(r.entity, r.payload)).map((u) => u.row as PaymentRow);
      const lastRefundRow = new Map(rows.filter((r) => r.kind === 'refund').map((r) => [r.externalId, r]));
      const late = truth.refunds.filter((r) => !full.records.some((x) => x.externalId === r.id));
      assert.ok(late.length > 0, 'refunds happened after the backfill');
      assert.deepEqual(truth.refunds.filter((r) => !lastRefundRow.has(r.id)).map((r) => r.id), []);
      assert.deepEqual(truth.refunds.filter((r) => lastRefundRow.get(r.id)!.rawStatus !== r.status).map((r) => r.id), [], 'the last row of each refund has its current status');
      // What a connector reading `charge.refunds` would have found: nothing, since Stripe stopped
      // embedding it (docs/upstreams.md) — every one of these refunds would have been missed.
      const charges = records.map((r) => (r.entity === 'event' ? (r.payload as { data: { object: Record<string, unknown> } }).data.object : (r.payload as Record<string, unknown>))).filter((o) => o.object === 'charge');
      assert.ok(charges.length > 300);
      assert.deepEqual(charges.flatMap((c) => ((c.refunds as { data?: Array<{ id: string }> } | undefined)?.data ?? []).map((x) => x.id)), []);
    });
  });
}

describe('stripe connector under faults', () => {
  let sim: Sim;
  before(async () => {
    sim = await startStripeSimulator({ port: 0, faults: { records: 300, seed: 11, errorRate: 0.2, timeoutRate: 0.05 } });
  });
  after(() => sim.close());

  it('503s and timeouts are retried by the policy and nothing is lost', async () => {
    const policy = createPolicy('stripe-faults-test', fastSettings({ timeoutMs: 300 }));
    const connector = createStripeConnector({ apiKey: 'sk_test_connectors', apiBase: sim.url, policy, timeoutMs: 300, pageSize: 40 });
    const stats = newCallStats();
    const run = await collect(connector.streams[0]!, null, 'full', { stats });
    const truth = await control<StripeTruth>(sim.url, '/__sandbox/truth');
    const seen = new Set(run.records.flatMap((r) => [r.externalId, (r.payload as { data?: { object: { id: string } } }).data?.object.id ?? '']));
    assert.deepEqual(truth.charges.filter((c) => !seen.has(c.id)).map((c) => c.id), []);
    assert.ok((stats.retries.http_503 ?? 0) > 0, `retries: ${JSON.stringify(stats.retries)}`);
  });
});
