import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startHubspotSimulator, type HubspotSimState } from '../../src/sandbox/hubspot/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
type SearchReq = Parameters<Client['crm']['deals']['searchApi']['doSearch']>[0];

async function pageAll(client: Client, type: 'deals' | 'contacts', props: string[]) {
  const api = type === 'deals' ? client.crm.deals.basicApi : client.crm.contacts.basicApi;
  const out: Array<{ id: string; properties: Record<string, string | null> }> = [];
  let after: string | undefined;
  for (;;) {
    const page = await api.getPage(100, after, props);
    out.push(...page.results);
    after = page.paging?.next?.after;
    if (!after) return out;
  }
}

async function searchAll(client: Client, req: Omit<SearchReq, 'after'>) {
  const out: Array<{ id: string; properties: Record<string, string | null> }> = [];
  let after: string | undefined;
  let total: number;
  for (;;) {
    const page = await client.crm.deals.searchApi.doSearch({ ...req, ...(after ? { after } : {}) } as SearchReq);
    total = page.total;
    out.push(...page.results);
    after = page.paging?.next?.after;
    if (!after) return { results: out, total };
  }
}

describe('hubspot simulator: API against @hubspot/api-client', () => {
  let sim: RunningSimulator<HubspotSimState>;
  let client: Client;
  before(async () => {
    sim = await startHubspotSimulator({ clock: createManualClock(T0) });
    client = new Client({ accessToken: 'pat-na1-sandbox', basePath: sim.url });
  });
  after(() => sim.close());

  it('getPage pages through every live deal and contact, matching truth', async () => {
    const deals = await pageAll(client, 'deals', ['amount', 'dealstage', 'deal_currency_code', 'closedate']);
    const truth = sim.state.truth();
    const live = truth.deals.filter((d) => !d.archived);
    assert.equal(live.length, truth.deals.length - truth.deals.filter((d) => d.archived).length);
    assert.ok(live.length > 1400 && live.length <= 1500);
    assert.deepEqual(
      deals.map((d) => [d.id, d.properties.amount, d.properties.dealstage ?? null, d.properties.deal_currency_code]),
      live.map((d) => [d.id, d.amount, d.dealstage, d.currency]),
    );
    for (const d of deals) for (const v of Object.values(d.properties)) assert.ok(v === null || typeof v === 'string');
    const sample = live.find((d) => d.amountMinor !== null && d.amountMinor % 100 !== 0)!;
    assert.equal(Math.round(Number(sample.amount) * 100), sample.amountMinor);
    const stages = new Set(live.map((d) => d.dealstage));
    assert.ok(stages.has('closedwon') && stages.has('closedlost') && stages.has('contractsent'));
    assert.ok([...stages].some((s) => s === '1234567' || s === 'negotiation_custom'), 'an unknown custom stage exists');
    const contacts = await pageAll(client, 'contacts', ['email', 'lifecyclestage']);
    assert.deepEqual(contacts.map((c) => [c.id, c.properties.email]), truth.contacts.filter((c) => !c.archived).map((c) => [c.id, c.email]));
  });

  it('search on hs_lastmodifieddate (ms and ISO values, BETWEEN) returns exactly the modified deals, sorted', async () => {
    const since = T0 - 7 * 86_400_000;
    const req = {
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since) }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      properties: ['amount', 'dealstage', 'hs_lastmodifieddate'],
      limit: 200,
    } as unknown as Omit<SearchReq, 'after'>;
    const { results, total } = await searchAll(client, req);
    const expected = sim.state.truth().deals.filter((d) => !d.archived && Date.parse(d.hs_lastmodifieddate) >= since);
    assert.equal(total, expected.length);
    assert.deepEqual(results.map((r) => r.id).sort(), expected.map((d) => d.id).sort());
    const times = results.map((r) => Date.parse(r.properties.hs_lastmodifieddate!));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const iso = await client.crm.deals.searchApi.doSearch({ ...req, filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: new Date(since).toISOString() }] }] } as unknown as SearchReq);
    assert.equal(iso.total, expected.length);
    const between = await client.crm.deals.searchApi.doSearch({ ...req, filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'BETWEEN', value: String(since), highValue: String(since + 86_400_000) }] }] } as unknown as SearchReq);
    assert.equal(between.total, expected.filter((d) => Date.parse(d.hs_lastmodifieddate) <= since + 86_400_000).length);
  });

  it('advancing time creates and modifies records that incremental search then finds', async () => {
    const mark = sim.clock.now();
    const res = await fetch(`${sim.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 6 }) });
    const body = (await res.json()) as { created: number; updated: number };
    assert.ok(body.created > 50 && body.updated > 50, JSON.stringify(body));
    const { results } = await searchAll(client, {
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GT', value: String(mark) }] }],
      limit: 100,
    } as unknown as Omit<SearchReq, 'after'>);
    const changed = sim.state.truth().deals.filter((d) => !d.archived && Date.parse(d.hs_lastmodifieddate) > mark);
    assert.deepEqual(results.map((r) => r.id).sort(), changed.map((d) => d.id).sort());
    assert.ok(changed.some((d) => Date.parse(d.createdate) <= mark), 'an older deal was modified');
  });

  it('invalid after is a 400 on list and search; get by id returns one record or a 404', async () => {
    await assert.rejects(client.crm.deals.basicApi.getPage(10, 'not-a-cursor'), (e: { code: number }) => e.code === 400);
    await assert.rejects(client.crm.deals.searchApi.doSearch({ filterGroups: [], limit: 10, after: 'garbage' } as unknown as SearchReq), (e: { code: number }) => e.code === 400);
    const first = sim.state.truth().deals.find((d) => !d.archived)!;
    const one = await client.crm.deals.basicApi.getById(first.id, ['amount']);
    assert.equal(one.properties.amount, first.amount);
    await assert.rejects(client.crm.deals.basicApi.getById('1'), (e: { code: number }) => e.code === 404);
  });
});

describe('hubspot simulator: 10,000-result search cap', () => {
  it('pages 10,000 results then answers 400 past the cap', async () => {
    const sim = await startHubspotSimulator({ clock: createManualClock(T0), faults: { records: 10_100 } });
    try {
      const client = new Client({ accessToken: 'pat', basePath: sim.url });
      let after: string | undefined;
      let seen = 0;
      let failure: { code: number; body: unknown } | undefined;
      for (;;) {
        try {
          const page = await client.crm.deals.searchApi.doSearch({ filterGroups: [], limit: 200, ...(after ? { after } : {}) } as unknown as SearchReq);
          seen += page.results.length;
          after = page.paging?.next?.after;
          if (!after) break;
        } catch (e) {
          failure = e as { code: number; body: unknown };
          break;
        }
      }
      assert.equal(seen, 10_000);
      assert.equal(failure?.code, 400);
      const raw = await fetch(`${sim.url}/crm/v3/objects/deals/search`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: JSON.stringify({ limit: 100, after: '10000' }) });
      const body = (await raw.json()) as { status: string; category: string; correlationId: string };
      assert.equal(raw.status, 400);
      assert.equal(body.status, 'error');
      assert.equal(body.category, 'VALIDATION_ERROR');
      assert.ok(body.correlationId);
    } finally {
      await sim.close();
    }
  });
});

describe('hubspot simulator: close dates', () => {
  const closedInTheFuture = (sim: RunningSimulator<HubspotSimState>) =>
    sim.state.truth().deals.filter((d) => (d.dealstage === 'closedwon' || d.dealstage === 'closedlost') && d.closedate !== null && Date.parse(d.closedate) > sim.clock.now());

  it('won and lost deals never close after the simulator clock (seeded or created as time advances), nor before they were created', async () => {
    const sim = await startHubspotSimulator({ clock: createManualClock(T0), faults: { poisonRate: 0 } });
    try {
      const closed = sim.state.truth().deals.filter((d) => d.dealstage === 'closedwon' || d.dealstage === 'closedlost');
      assert.ok(closed.length > 500, `${closed.length} closed deals`);
      assert.deepEqual(closedInTheFuture(sim).map((d) => [d.id, d.closedate]), [], 'no deal closes after now');
      for (const d of closed) assert.ok(Date.parse(d.closedate!) >= Date.parse(d.createdate), `deal ${d.id} closes before it was created`);
      const lastWeek = closed.filter((d) => Date.parse(d.closedate!) > T0 - 7 * 86_400_000);
      assert.ok(lastWeek.length > 20, 'deals keep closing up to today');
      assert.ok(new Set(lastWeek.map((d) => d.closedate)).size > lastWeek.length * 0.9, 'recent close dates are spread, not piled up on now');

      const res = await fetch(`${sim.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 48 }) });
      assert.ok(((await res.json()) as { created: number }).created > 50);
      assert.deepEqual(closedInTheFuture(sim).map((d) => [d.id, d.closedate]), [], 'no deal closes after now once time moved');
      assert.ok(sim.state.truth().deals.some((d) => d.dealstage === 'closedwon' && Date.parse(d.closedate!) > T0), 'deals were won while time advanced');
    } finally {
      await sim.close();
    }
  });
});
