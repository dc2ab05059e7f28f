import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportPKCS8, generateKeyPair } from 'jose';
import { createGcalConnector } from '../../src/connectors/gcal/createGcalConnector.ts';
import { StaleCursorError, type CalendarEventRow, type Connector, type RawRecord } from '../../src/connectors/contract.ts';
import { createPolicy, newCallStats } from '../../src/resilience/index.ts';
import { startGcalSimulator, type GcalTruth } from '../../src/sandbox/gcal/index.ts';
import { collect, control, duplicates } from './collect.ts';
import { fastSettings } from './policy.ts';

type Sim = Awaited<ReturnType<typeof startGcalSimulator>>;
type WireEvent = { id: string; status: string; recurringEventId?: string };
const masterId = (r: RawRecord) => ((r.payload as WireEvent).recurringEventId ?? r.externalId);

describe('gcal connector against the simulator', () => {
  let sim: Sim;
  let connector: Connector;
  let syncCursor: string | null = null;

  before(async () => {
    sim = await startGcalSimulator({ port: 0, faults: { records: 400, seed: 4, poisonRate: 0.02 } });
    connector = createGcalConnector({ calendarId: 'primary', apiBase: sim.url, policy: createPolicy('gcal-test', fastSettings()), pageSize: 50 });
  });
  after(() => sim.close());

  it('full sync pages every event (cancelled ones too) exactly once and stores the sync token only at the end', async () => {
    const run = await collect(connector.streams[0]!, null, 'full');
    const truth = await control<GcalTruth>(sim.url, '/__sandbox/truth');
    assert.deepEqual(duplicates(run.records.map((r) => r.externalId)), []);
    assert.deepEqual([...new Set(run.records.map(masterId))].sort(), truth.events.map((e) => e.id).sort());
    assert.ok(run.pages.length > 5);
    // Every page before the last resumes the paging; only the last one carries the sync token.
    for (const p of run.pages.slice(0, -1)) assert.ok(JSON.parse(p.cursorAfter!).pageToken);
    const last = JSON.parse(run.pages.at(-1)!.cursorAfter!);
    assert.equal(last.pageToken, null);
    assert.ok(last.syncToken);
    syncCursor = run.cursor;
  });

  it('poison events fail normalization with a ZodError naming the field', async () => {
    const truth = await control<GcalTruth>(sim.url, '/__sandbox/truth');
    const poison = truth.events.find((e) => e.poison === 'start_missing' && e.status !== 'cancelled' && !e.recurring);
    assert.ok(poison, 'the simulator seeded a start_missing event');
    const { records } = await collect(connector.streams[0]!, null, 'full');
    const rec = records.find((r) => r.externalId === poison.id)!;
    assert.throws(() => connector.normalize('event', rec.payload), (err: Error) => err.name === 'ZodError' && err.message.includes('start'));
  });

  it('incremental via the sync token picks up cancellations as status-only rows', async () => {
    const before = await control<GcalTruth>(sim.url, '/__sandbox/truth');
    const wasLive = new Set(before.events.filter((e) => e.status !== 'cancelled').map((e) => e.id));
    await control(sim.url, '/__sandbox/advance', { hours: 12 });
    const truth = await control<GcalTruth>(sim.url, '/__sandbox/truth');
    const run = await collect(connector.streams[0]!, syncCursor, 'incremental');
    const read = new Set(run.records.map(masterId));
    const cancelled = truth.events.filter((e) => e.status === 'cancelled' && wasLive.has(e.id));
    assert.ok(cancelled.length > 0, 'events were cancelled meanwhile');
    assert.deepEqual(cancelled.filter((e) => !read.has(e.id)).map((e) => e.id), []);
    const rec = run.records.find((r) => r.externalId === cancelled.find((e) => !e.recurring)?.id) ?? run.records.find((r) => (r.payload as WireEvent).status === 'cancelled')!;
    const row = connector.normalize('event', rec.payload)[0]!.row as CalendarEventRow;
    assert.equal(row.status, 'cancelled');
    assert.equal(row.summary, null);
    assert.equal(row.startsAt, null);
    assert.ok(run.records.length < 400, 'only changes were read');
    assert.ok(JSON.parse(run.cursor!).syncToken);
    syncCursor = run.cursor;
  });

  it('an expired sync token (410 fullSyncRequired) is a StaleCursorError', async () => {
    await control(sim.url, '/__sandbox/expire-sync-tokens', {});
    await assert.rejects(collect(connector.streams[0]!, syncCursor, 'incremental'), (err: Error) => err instanceof StaleCursorError && /full sync/.test(err.message));
  });

  it('a crashed listing resumes from its page token', async () => {
    const first = await collect(connector.streams[0]!, null, 'full', { maxPages: 2 });
    const rest = await collect(connector.streams[0]!, first.cursor, 'incremental');
    const ids = [...first.records, ...rest.records].map((r) => r.externalId);
    assert.deepEqual(duplicates(ids), []);
    const truth = await control<GcalTruth>(sim.url, '/__sandbox/truth');
    assert.equal(new Set([...first.records, ...rest.records].map(masterId)).size, truth.events.length);
  });
});

describe('gcal service-account auth against the simulator token endpoint', () => {
  let sim: Sim;
  before(async () => {
    sim = await startGcalSimulator({ port: 0, faults: { records: 60, seed: 8, tokenTtlS: 3600 } });
  });
  after(() => sim.close());

  it('mints a token from a signed JWT and gets a fresh one when the upstream rejects it as expired', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const connector = createGcalConnector({
      calendarId: 'primary',
      apiBase: sim.url,
      policy: createPolicy('gcal-sa-test', fastSettings()),
      serviceAccount: { clientEmail: 'sync@buffalo-test.iam.gserviceaccount.com', privateKey: pem, tokenUri: `${sim.url}/token` },
    });
    const first = await collect(connector.streams[0]!, null, 'full');
    assert.ok(first.records.length >= 60);
    // Two simulated hours later the cached token is past its 1 h lifetime on the upstream side.
    await control(sim.url, '/__sandbox/advance', { hours: 2 });
    const stats = newCallStats();
    const second = await collect(connector.streams[0]!, first.cursor, 'incremental', { stats });
    assert.ok(second.cursor);
    assert.equal(stats.tokenRefreshes, 1);
  });
});
