import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { buildDailySummary, ingestRoutes, runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { createFakeConnector, createFakeUpstream, type FakeUpstream } from './fixtures/fakeUpstream.ts';
import { drainOutbox, testDeps } from './fixtures/support.ts';

// The published names of the run report's counts and flags, and the ones they replaced.
const PUBLISHED = ['pagesFetched', 'recordsFetched', 'recordsUpserted', 'recordsDeduped', 'recordsFailed', 'staleCursorDetected', 'fullBackfillTriggered'];
const RETIRED = ['pages', 'records', 'backfillPerformed', 'fetched', 'enqueued', 'deduped', 'upserted', 'failed', 'invalid'];

describe('run report field names through the API', () => {
  const db = useTestDb();
  let app: App;
  let up: FakeUpstream;
  let deps: IngestDeps;
  before(async () => {
    up = createFakeUpstream(25, { pageSize: 10 });
    up.put({ ...up.truth.get('c0003')!, email: 'not-an-email' });
    deps = testDeps(db.pool, [createFakeConnector(up)]);
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.ready();
  });

  const getRun = async (runId: string): Promise<Record<string, unknown>> => {
    const res = await app.inject({ method: 'GET', url: `/runs/${runId}`, headers: API_HEADERS });
    assert.equal(res.statusCode, 200);
    return res.json() as Record<string, unknown>;
  };

  it('GET /runs/:runId and GET /runs carry the published names with their meaning, and none of the old ones', async () => {
    const full = await runSync(deps, { source: 'hubspot', mode: 'full' });
    await drainOutbox(deps);
    const first = await getRun(full.runId);
    for (const name of PUBLISHED) assert.ok(name in first, `${name} in the report`);
    for (const name of RETIRED) assert.ok(!(name in first), `no ${name} in the report`);
    assert.deepEqual(pick(first), {
      pagesFetched: 3,
      recordsFetched: 25,
      recordsEnqueued: 25,
      recordsDeduped: 0,
      recordsUpserted: 24, // every record but the poison one…
      recordsFailed: 1, // …which was dead-lettered
      recordsInvalid: 1,
      staleCursorDetected: false,
      fullBackfillTriggered: false,
    });
    assert.equal(first.status, 'partial');

    // The stored cursor is rejected: the run backfills; everything it re-reads unchanged is deduped.
    up.put({ id: 'c9000', email: 'late@example.com', name: 'Late Comer', updatedAt: '2026-03-01T00:00:00.000Z' });
    up.staleBelow = 1000;
    const stale = await runSync(deps, { source: 'hubspot', mode: 'incremental' });
    up.staleBelow = 0;
    await drainOutbox(deps);
    assert.deepEqual(pick(await getRun(stale.runId)), {
      pagesFetched: 3,
      recordsFetched: 26,
      recordsEnqueued: 1,
      recordsDeduped: 25,
      recordsUpserted: 1,
      recordsFailed: 0,
      recordsInvalid: 0,
      staleCursorDetected: true,
      fullBackfillTriggered: true,
    });

    const list = await app.inject({ method: 'GET', url: '/runs?source=hubspot', headers: API_HEADERS });
    const runs = list.json().runs as Array<Record<string, unknown>>;
    assert.equal(runs.length, 2);
    for (const run of runs) {
      for (const name of PUBLISHED) assert.ok(name in run, `${name} in GET /runs`);
      for (const name of RETIRED) assert.ok(!(name in run), `no ${name} in GET /runs`);
    }

    // The daily summary sums the same report: its failed records are the runs' dead letters.
    const summary = await buildDailySummary(db.pool, String(first.createdAt).slice(0, 10), new Date());
    const hubspot = summary.sources.find((s) => s.source === 'hubspot')!;
    assert.deepEqual([hubspot.runs.total, hubspot.recordsFetched, hubspot.recordsUpserted, hubspot.recordsFailed], [2, 51, 25, 1]);
  });

  it('the OpenAPI document describes the run report with the published names only', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/openapi.json' })).json();
    const schema = resolve(doc, doc.paths['/runs/{runId}'].get.responses['200'].content['application/json'].schema);
    const props = Object.keys(schema.properties as object);
    for (const name of PUBLISHED) assert.ok(props.includes(name), `${name} in the schema`);
    for (const name of RETIRED) assert.ok(!props.includes(name), `no ${name} in the schema`);
    const listed = resolve(doc, doc.paths['/runs'].get.responses['200'].content['application/json'].schema);
    const item = resolve(doc, (listed.properties as { runs: { items: unknown } }).runs.items);
    assert.deepEqual(Object.keys(item.properties as object).sort(), [...props].sort());
  });
});

function pick(r: Record<string, unknown>): Record<string, unknown> {
  const keys = ['pagesFetched', 'recordsFetched', 'recordsEnqueued', 'recordsDeduped', 'recordsUpserted', 'recordsFailed', 'recordsInvalid', 'staleCursorDetected', 'fullBackfillTriggered'];
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

// Follow a local `$ref` (the document may define shared schemas once under components).
function resolve(doc: { components?: { schemas?: Record<string, unknown> } }, schema: unknown): Record<string, unknown> {
  const ref = (schema as { $ref?: string }).$ref;
  if (!ref) return schema as Record<string, unknown>;
  return resolve(doc, doc.components?.schemas?.[ref.replace('#/components/schemas/', '')]);
}
