import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHubspotConnector } from '../../src/connectors/hubspot/createHubspotConnector.ts';
import { StaleCursorError, type Connector, type PaymentRow } from '../../src/connectors/contract.ts';
import { createPolicy, newCallStats } from '../../src/resilience/index.ts';
import { startHubspotSimulator, type HubspotTruth } from '../../src/sandbox/hubspot/index.ts';
import { collect, control, duplicates } from './collect.ts';
import { fastSettings } from './policy.ts';

type Sim = Awaited<ReturnType<typeof startHubspotSimulator>>;

function connectorFor(sim: Sim, name: string, over: { listLimit?: number } = {}): Connector {
  return createHubspotConnector({ accessToken: 'pat-test', apiBase: sim.url, policy: createPolicy(name, fastSettings()), listLimit: over.listLimit ?? 100, overlapMs: 60_000 });
}
const streamOf = (c: Connector, entity: string) => c.streams.find((s) => s.entity === entity)!;

describe('hubspot connector against the simulator', () => {
  let sim: Sim;
  let connector: Connector;
  let dealCursor: string | null = null;
  const stageBefore = new Map<string, string | null>();

  before(async () => {
    sim = await startHubspotSimulator({ port: 0, faults: { records: 600, seed: 5, poisonRate: 0.02 } });
    connector = connectorFor(sim, 'hubspot-test');
  });
  after(() => sim.close());

  it('full sync pages deals and contacts: every live record exactly once, then the archived ones (archived=true)', async () => {
    const deals = await collect(streamOf(connector, 'deal'), null, 'full');
    const contacts = await collect(streamOf(connector, 'contact'), null, 'full');
    const truth = await control<HubspotTruth>(sim.url, '/__sandbox/truth');
    const isArchived = (r: { payload: unknown }) => (r.payload as { archived?: boolean }).archived === true;
    const dealIds = deals.records.filter((r) => !isArchived(r)).map((r) => r.externalId);
    assert.deepEqual(duplicates(dealIds), []);
    assert.deepEqual([...dealIds].sort(), truth.deals.filter((d) => !d.archived).map((d) => d.id).sort());
    const archivedIds = deals.records.filter(isArchived).map((r) => r.externalId);
    assert.ok(archivedIds.length > 0, 'the simulator seeded archived deals');
    assert.deepEqual([...archivedIds].sort(), truth.deals.filter((d) => d.archived).map((d) => d.id).sort());
    const contactIds = contacts.records.filter((r) => !isArchived(r)).map((r) => r.externalId);
    assert.deepEqual(duplicates(contactIds), []);
    assert.deepEqual([...contactIds].sort(), truth.contacts.filter((c) => !c.archived).map((c) => c.id).sort());
    assert.ok(deals.pages.length >= 6);
    assert.equal(JSON.parse(deals.cursor!).phase, 'search');
    dealCursor = deals.cursor;
    for (const d of truth.deals) stageBefore.set(d.id, d.dealstage);
  });

  it('poison deals fail normalization with a ZodError naming the field', async () => {
    const truth = await control<HubspotTruth>(sim.url, '/__sandbox/truth');
    const poison = truth.deals.find((d) => d.poison === 'amount_garbage' && !d.archived);
    assert.ok(poison, 'the simulator seeded an amount_garbage deal');
    const { records } = await collect(streamOf(connector, 'deal'), null, 'full');
    const rec = records.find((r) => r.externalId === poison.id)!;
    assert.throws(() => connector.normalize('deal', rec.payload), (err: Error) => err.name === 'ZodError' && /properties.*amount|amount/.test(JSON.stringify((err as unknown as { issues: unknown }).issues)));
  });

  it('incremental search after time passes picks up a deal moved to closedwon', async () => {
    await control(sim.url, '/__sandbox/advance', { hours: 6 });
    const truth = await control<HubspotTruth>(sim.url, '/__sandbox/truth');
    const run = await collect(streamOf(connector, 'deal'), dealCursor, 'incremental');
    const read = new Set(run.records.map((r) => r.externalId));
    const since = JSON.parse(dealCursor!).since as number;
    const changed = truth.deals.filter((d) => !d.archived && Date.parse(d.hs_lastmodifieddate) >= since);
    assert.ok(changed.length > 10, 'the simulator produced changes');
    assert.deepEqual(changed.filter((d) => !read.has(d.id)).map((d) => d.id), []);
    const won = changed.find((d) => d.dealstage === 'closedwon' && stageBefore.get(d.id) !== 'closedwon' && stageBefore.has(d.id) && !d.poison);
    assert.ok(won, 'a known deal moved to closedwon');
    const rec = run.records.filter((r) => r.externalId === won.id).at(-1)!;
    const row = connector.normalize('deal', rec.payload)[0]!.row as PaymentRow;
    assert.equal(row.status, 'COLLECTED');
    assert.equal(row.amountCents, String(won.amountMinor));
    // The checkpoint moved forward: a second run re-reads only the overlap.
    const again = await collect(streamOf(connector, 'deal'), run.cursor, 'incremental');
    assert.ok(again.records.length < run.records.length);
    assert.ok(JSON.parse(run.cursor!).since >= since);
  });

  it('a paging cursor HubSpot rejects is a StaleCursorError', async () => {
    const first = await collect(streamOf(connector, 'contact'), null, 'full', { maxPages: 1 });
    await control(sim.url, '/__sandbox/faults', { staleCursor: true });
    try {
      await assert.rejects(collect(streamOf(connector, 'contact'), first.cursor, 'full'), StaleCursorError);
    } finally {
      await control(sim.url, '/__sandbox/faults', { staleCursor: false });
    }
  });
});

describe('hubspot search windowing past the 10,000-result cap', () => {
  let sim: Sim;
  before(async () => {
    sim = await startHubspotSimulator({ port: 0, faults: { records: 10_600, seed: 9 } });
  });
  after(() => sim.close());

  it('reads more than 10,000 modified deals without a 400 and without a gap', async () => {
    const connector = connectorFor(sim, 'hubspot-window-test');
    const cursor = JSON.stringify({ v: 1, phase: 'search', since: 0, offset: 0 });
    const run = await collect(streamOf(connector, 'deal'), cursor, 'incremental');
    const truth = await control<HubspotTruth>(sim.url, '/__sandbox/truth');
    const live = truth.deals.filter((d) => !d.archived).map((d) => d.id);
    assert.ok(live.length > 10_000);
    const read = new Set(run.records.map((r) => r.externalId));
    assert.deepEqual(live.filter((id) => !read.has(id)), []);
    // Windows overlap by at most the records sharing a boundary timestamp.
    assert.ok(run.records.length - read.size < run.pages.length * 3, `${run.records.length - read.size} re-reads over ${run.pages.length} pages`);
    const final = JSON.parse(run.cursor!);
    assert.equal(final.offset, 0);
    assert.equal(final.since, Math.max(...truth.deals.filter((d) => !d.archived).map((d) => Date.parse(d.hs_lastmodifieddate))));
  });
});

describe('hubspot connector paces itself by X-HubSpot-RateLimit-Remaining', () => {
  let sim: Sim;
  before(async () => {
    sim = await startHubspotSimulator({ port: 0, faults: { records: 100, seed: 9, poisonRate: 0, rateLimitPerMin: 12 } }); // 2 per ten seconds
  });
  after(() => sim.close());

  it('waits out the window when Remaining reaches 0 instead of earning a 429', async () => {
    const stats = newCallStats();
    const connector = connectorFor(sim, 'hubspot-pacing-test', { listLimit: 40 });
    const deals = await collect(streamOf(connector, 'deal'), null, 'full', { stats });
    assert.ok(deals.pages.length >= 3);
    assert.equal(stats.retries.http_429 ?? 0, 0, `retries: ${JSON.stringify(stats.retries)}`);
    assert.ok(stats.rateLimitWaits >= 1, 'held by the limiter after the window was used up');
    assert.equal((await control<{ rateLimited: number }>(sim.url, '/__sandbox/stats')).rateLimited, 0);
  });
});
