import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@hubspot/api-client';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startHubspotSimulator, type HubspotSimState } from '../../src/sandbox/hubspot/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);

async function failure(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; body: unknown };
    return { code: e.code, body: (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}

async function pageIds(client: Client, archived: boolean): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.crm.deals.basicApi.getPage(100, after, ['amount'], undefined, undefined, archived);
    ids.push(...page.results.map((r) => r.id));
    after = page.paging?.next?.after;
    if (!after) return ids;
  }
}

describe('hubspot simulator: writes through @hubspot/api-client', () => {
  let sim: RunningSimulator<HubspotSimState>;
  let client: Client;
  before(async () => {
    sim = await startHubspotSimulator({ clock: createManualClock(T0), faults: { records: 300 } });
    client = new Client({ accessToken: 'pat-na1-sandbox', basePath: sim.url });
  });
  after(() => sim.close());

  const liveDeal = () => sim.state.truth().deals.find((d) => !d.archived && d.poison === null && d.dealstage === 'closedwon')!;

  it('update sets properties, bumps hs_lastmodifieddate/updatedAt and shows in get, search and truth', async () => {
    const deal = liveDeal();
    sim.clock.advance(60_000);
    const at = new Date(sim.clock.now()).toISOString();
    const res = await client.crm.deals.basicApi.update(deal.id, { properties: { amount: '1234.50', dealname: 'Renamed deal' } });
    assert.equal(res.id, deal.id);
    assert.equal(res.properties.amount, '1234.50');
    assert.equal(res.properties.dealname, 'Renamed deal');
    assert.equal(res.properties.hs_lastmodifieddate, at);
    assert.equal(res.updatedAt.toISOString(), at);
    const got = await client.crm.deals.basicApi.getById(deal.id, ['amount', 'dealname']);
    assert.equal(got.properties.amount, '1234.50');
    const t = sim.state.truth().deals.find((d) => d.id === deal.id)!;
    assert.deepEqual([t.amount, t.amountMinor, t.hs_lastmodifieddate], ['1234.50', 123450, at]);
    const found = await client.crm.deals.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE' as never, value: String(sim.clock.now()) }] }],
      properties: ['amount'],
      limit: 100,
    } as never);
    assert.ok(found.results.some((r) => r.id === deal.id), 'incremental search finds the updated deal');
  });

  it('a contact update changes lastmodifieddate; invalid values are a 400 VALIDATION_ERROR naming each property', async () => {
    const contact = sim.state.truth().contacts.find((c) => !c.archived && c.poison === null)!;
    sim.clock.advance(60_000);
    const res = await client.crm.contacts.basicApi.update(contact.id, { properties: { lifecyclestage: 'customer', email: 'New.Person@Example.com' } });
    assert.equal(res.properties.lifecyclestage, 'customer');
    assert.equal(res.properties.email, 'new.person@example.com');
    assert.equal(res.properties.lastmodifieddate, new Date(sim.clock.now()).toISOString());
    assert.equal(sim.state.truth().contacts.find((c) => c.id === contact.id)!.lifecyclestage, 'customer');

    const bad = await failure(client.crm.deals.basicApi.update(liveDeal().id, { properties: { amount: '12,3x', nosuch: 'x', hs_object_id: '1', dealstage: 'won-ish' } }));
    assert.equal(bad.code, 400);
    assert.equal(bad.body.category, 'VALIDATION_ERROR');
    assert.match(String(bad.body.message), /^Property values were not valid: /);
    const codes = (bad.body.errors as Array<{ code: string }>).map((e) => e.code).sort();
    assert.deepEqual(codes, ['INVALID_FLOAT', 'INVALID_OPTION', 'PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE']);
  });

  it('update of an unknown id is a 404 OBJECT_NOT_FOUND in HubSpot\'s error body', async () => {
    const res = await failure(client.crm.deals.basicApi.update('999', { properties: { dealname: 'x' } }));
    assert.equal(res.code, 404);
    assert.equal(res.body.status, 'error');
    assert.equal(res.body.category, 'OBJECT_NOT_FOUND');
    assert.equal(typeof res.body.correlationId, 'string');
    assert.deepEqual(res.body.context, { id: ['999'] });
  });

  it('archive: 204; the deal leaves list, search and get and is read with archived=true (archivedAt set)', async () => {
    const deal = liveDeal();
    sim.clock.advance(60_000);
    const at = new Date(sim.clock.now()).toISOString();
    await client.crm.deals.basicApi.archive(deal.id);
    assert.equal((await fetch(`${sim.url}/crm/v3/objects/deals/${deal.id}`, { method: 'DELETE', headers: { authorization: 'Bearer t' } })).status, 204, 'archiving again is a 204 too');
    assert.equal((await fetch(`${sim.url}/crm/v3/objects/deals/1`, { method: 'DELETE', headers: { authorization: 'Bearer t' } })).status, 204, 'as is an unknown id');

    assert.ok(!(await pageIds(client, false)).includes(deal.id));
    assert.ok((await pageIds(client, true)).includes(deal.id));
    assert.equal((await failure(client.crm.deals.basicApi.getById(deal.id))).code, 404);
    const archived = await client.crm.deals.basicApi.getById(deal.id, ['amount'], undefined, undefined, true);
    assert.equal(archived.archived, true);
    assert.equal(archived.archivedAt?.toISOString(), at);
    const search = await client.crm.deals.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ' as never, value: deal.id }] }],
      limit: 10,
    } as never);
    assert.equal(search.total, 0, 'search never returns archived records');
    assert.equal(sim.state.truth().deals.find((d) => d.id === deal.id)!.archived, true);
    assert.equal((await failure(client.crm.deals.basicApi.update(deal.id, { properties: { dealname: 'x' } }))).code, 404, 'an archived deal cannot be updated');
  });

  it('contacts archive the same way', async () => {
    const contact = sim.state.truth().contacts.find((c) => !c.archived)!;
    await client.crm.contacts.basicApi.archive(contact.id);
    const got = await client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, undefined, true);
    assert.equal(got.archived, true);
    assert.equal(sim.state.truth().contacts.find((c) => c.id === contact.id)!.archived, true);
  });
});
