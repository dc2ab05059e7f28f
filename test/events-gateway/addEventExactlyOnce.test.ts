import { before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventsGatewayRoutes } from '../../src/events-gateway/index.ts';
import type { App } from '../../src/http/index.ts';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startEventServiceSimulator, type EventServiceSimState, type EventServiceTruth } from '../../src/sandbox/eventservice/index.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { expireLease, failResponseStores, keyStatus, sleep } from '../helpers/idempotency.ts';
import { EVENT_SERVICE_SETTINGS, simControl } from './support.ts';

const LEASE_MS = 250;

describe('POST /addEvent is exactly-once: one upstream event per Idempotency-Key, whatever fails', () => {
  const db = useTestDb();
  let sim: RunningSimulator<EventServiceSimState>;
  let app: App;

  before(async () => {
    sim = db.closeLater(await startEventServiceSimulator({ knobs: { eventLatencyMs: 0, writeCycle: false } }));
    app = db.closeLater(await buildTestApp(db.pool, { idempotencyLeaseMs: LEASE_MS }));
    await app.register(eventsGatewayRoutes, { baseUrl: sim.url, settings: EVENT_SERVICE_SETTINGS });
    await app.ready();
  });
  beforeEach(() => simControl(sim.url, '/__sandbox/settings', { writeLatencyMs: 0 }));

  const add = (key: string, name: string) => app.inject({ method: 'POST', url: '/addEvent', headers: { ...API_HEADERS, 'idempotency-key': key }, payload: { name, userId: '4' } });
  const truth = async () => (await (await fetch(`${sim.url}/__sandbox/truth`)).json()) as EventServiceTruth;
  const eventsNamed = async (name: string) => (await truth()).events.filter((e) => e.name === name);

  it('a retried /addEvent under a failed response store (the process dying between effect and store) creates one upstream event', async () => {
    const restore = await failResponseStores(db.pool, 'fail-store-');
    const key = 'fail-store-add-1';
    let first;
    try {
      first = await add(key, 'Store fails');
    } finally {
      await restore();
    }
    assert.ok(first.statusCode >= 500, `the failed store surfaces as a 5xx: ${first.statusCode} ${first.body}`);
    const [made, ...extra] = await eventsNamed('Store fails');
    assert.ok(made, 'the upstream event was made');
    assert.equal(extra.length, 0);
    assert.equal(await keyStatus(db.pool, key), 'in_flight', 'the key is left in flight, exactly as after a crash');

    const early = await add(key, 'Store fails');
    assert.equal(early.statusCode, 409, 'within the lease the key is in use');
    await sleep(LEASE_MS + 100);
    const retried = await add(key, 'Store fails');
    assert.equal(retried.statusCode, 200, retried.body);
    assert.deepEqual(retried.json().event, made, 'the takeover got the first call’s event back from the event service');
    assert.equal((await eventsNamed('Store fails')).length, 1, 'one upstream event under the key');
    assert.equal(await keyStatus(db.pool, key), 'done');
    const replay = await add(key, 'Store fails');
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json().event, made);
  });

  it('a request stalled past its lease and its takeover make one upstream event, and every answer carries it', async () => {
    await simControl(sim.url, '/__sandbox/settings', { writeLatencyMs: LEASE_MS * 3 });
    const key = 'stall-add-1';
    const first = add(key, 'Stalled write');
    await expireLease(db.pool, key);
    const takeover = await add(key, 'Stalled write');
    // The takeover reached the event service while the first write still ran there: in use.
    assert.equal(takeover.statusCode, 409, takeover.body);
    assert.equal(takeover.json().error, 'idempotency_key_in_use');
    const firstRes = await first;
    assert.equal(firstRes.statusCode, 200, firstRes.body);
    const [made, ...extra] = await eventsNamed('Stalled write');
    assert.deepEqual(firstRes.json().event, made);
    assert.equal(extra.length, 0);

    await simControl(sim.url, '/__sandbox/settings', { writeLatencyMs: 0 });
    const retried = await add(key, 'Stalled write');
    assert.equal(retried.statusCode, 200, retried.body);
    assert.deepEqual(retried.json().event, made);
    assert.equal((await eventsNamed('Stalled write')).length, 1, 'one upstream event under the key');
    assert.equal(await keyStatus(db.pool, key), 'done');
  });

  it('a 5xx releases the key but keeps its upstream key: a retry after a lost upstream answer gets the same event', async () => {
    // The event service made the event but our side failed afterwards (a 5xx): the retry,
    // allowed at once, repeats the same upstream write.
    const restore = await failResponseStores(db.pool, 'lost-');
    const key = 'lost-answer-1';
    try {
      assert.ok((await add(key, 'Lost answer')).statusCode >= 500);
    } finally {
      await restore();
    }
    await db.pool.query("UPDATE idempotency_keys SET status = 'released' WHERE key = $1", [key]);
    const retried = await add(key, 'Lost answer');
    assert.equal(retried.statusCode, 200);
    assert.equal((await eventsNamed('Lost answer')).length, 1);
    assert.deepEqual(retried.json().event, (await eventsNamed('Lost answer'))[0]);
  });
});
