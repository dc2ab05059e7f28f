import { before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, User } from '../../src/events-gateway/index.ts';
import type { App } from '../../src/http/index.ts';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { FANOUT_EVENT_COUNT, FANOUT_USER_ID, startEventServiceSimulator, type EventServiceSimState, type EventServiceTruth } from '../../src/sandbox/eventservice/index.ts';
import { API_HEADERS } from '../helpers/app.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { buildGatewayApp, EVENT_READS, simControl, simStats } from './support.ts';

describe('events gateway reads over the event-service simulator', () => {
  const db = useTestDb();
  let sim: RunningSimulator<EventServiceSimState>;
  let truth: EventServiceTruth;
  const gateway = async (fanoutConcurrency?: number) => {
    const { app } = await buildGatewayApp(db.pool, sim.url, fanoutConcurrency ? { fanoutConcurrency } : {});
    return db.closeLater(app);
  };
  const get = (app: App, url: string) => app.inject({ method: 'GET', url, headers: API_HEADERS });

  before(async () => {
    sim = db.closeLater(await startEventServiceSimulator({ knobs: { eventLatencyMs: 100 } }));
    truth = (await (await fetch(`${sim.url}/__sandbox/truth`)).json()) as EventServiceTruth;
  });
  beforeEach(() => simControl(sim.url, '/__sandbox/stats/reset'));
  const withEventLatency = async (ms: number, fn: () => Promise<void>) => {
    await simControl(sim.url, '/__sandbox/settings', { eventLatencyMs: ms });
    try {
      await fn();
    } finally {
      await simControl(sim.url, '/__sandbox/settings', { eventLatencyMs: 100 });
    }
  };

  it('GET /getUsers and GET /getEvents answer the service’s users {id,name,events} and events {id,name,userId}; no key → 401', async () => {
    const app = await gateway();
    const users = await get(app, '/getUsers');
    assert.equal(users.statusCode, 200);
    assert.deepEqual(users.json<User[]>(), truth.users);
    const events = await get(app, '/getEvents');
    assert.equal(events.statusCode, 200);
    assert.deepEqual(events.json<Event[]>(), truth.events);
    for (const url of ['/getUsers', '/getEvents', `/getEventsByUserId/${FANOUT_USER_ID}`]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 401, url);
      assert.equal(res.json().error, 'unauthorized');
    }
  });

  it('fans out 50 event fetches in parallel, never more than the bound (8) at once', async () => {
    const app = await gateway(8);
    const res = await get(app, `/getEventsByUserId/${FANOUT_USER_ID}`);
    assert.equal(res.statusCode, 200);
    const expected = truth.users.find((u) => u.id === FANOUT_USER_ID)!.events.map((id) => truth.events.find((e) => e.id === id));
    assert.equal(expected.length, FANOUT_EVENT_COUNT);
    assert.deepEqual(res.json(), expected, 'all 50 events, in the user’s order');
    const stats = await simStats(sim.url);
    assert.equal(stats.calls[EVENT_READS], 50);
    const max = stats.maxInFlightByRoute[EVENT_READS] ?? 0;
    assert.ok(max > 1 && max <= 8, `max in flight ${max} should be in (1, 8]`);
  });

  it('with a bound of at least 50, all 50 fetches are in flight at once (one round trip)', async () => {
    const app = await gateway(64);
    // Seed 003's 500 ms reads: every fetch is sent long before the first one is answered.
    await withEventLatency(500, async () => {
      assert.equal((await get(app, `/getEventsByUserId/${FANOUT_USER_ID}`)).statusCode, 200);
    });
    assert.equal((await simStats(sim.url)).maxInFlightByRoute[EVENT_READS], 50);
  });

  it('the default bound is 16', async () => {
    const app = await gateway();
    await withEventLatency(500, async () => {
      assert.equal((await get(app, `/getEventsByUserId/${FANOUT_USER_ID}`)).statusCode, 200);
    });
    assert.equal((await simStats(sim.url)).maxInFlightByRoute[EVENT_READS], 16);
  });

  it('a user with repeated event ids gets every position filled, each distinct id fetched once', async () => {
    const app = await gateway();
    const [a, b] = truth.users.find((u) => u.id === FANOUT_USER_ID)!.events as [string, string];
    const user = sim.state.world().user('2')!;
    const original = user.events;
    user.events = [a, b, a, a, b];
    try {
      const res = await get(app, '/getEventsByUserId/2');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json<Event[]>().map((e) => e.id), [a, b, a, a, b]);
      assert.deepEqual((await simStats(sim.url)).eventReads, { [a]: 1, [b]: 1 });
    } finally {
      user.events = original;
    }
  });

  it('two concurrent requests for the same user share the in-flight fetches: one upstream read per event', async () => {
    const app = await gateway();
    const user = truth.users.find((u) => u.events.length >= 3 && u.id !== FANOUT_USER_ID)!;
    await withEventLatency(500, async () => {
      const [r1, r2] = await Promise.all([get(app, `/getEventsByUserId/${user.id}`), get(app, `/getEventsByUserId/${user.id}`)]);
      assert.equal(r1.statusCode, 200);
      assert.deepEqual(r2.json(), r1.json());
      assert.deepEqual(r1.json<Event[]>().map((e) => e.id), user.events);
    });
    const reads = (await simStats(sim.url)).eventReads;
    assert.deepEqual(reads, Object.fromEntries(user.events.map((id) => [id, 1])));
  });

  it('an unknown user → 404 user_not_found, without fetching events', async () => {
    const app = await gateway();
    const res = await get(app, '/getEventsByUserId/nobody');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error, 'user_not_found');
    assert.equal((await simStats(sim.url)).calls[EVENT_READS] ?? 0, 0);
  });

  it('an event that cannot be fetched → 502 upstream_failed naming the failed id', async () => {
    const app = await gateway();
    const user = sim.state.world().user('3')!;
    const original = user.events;
    user.events = [...original, 'event-missing'];
    try {
      const res = await get(app, '/getEventsByUserId/3');
      assert.equal(res.statusCode, 502);
      assert.equal(res.json().error, 'upstream_failed');
      assert.deepEqual(res.json().failedIds, ['event-missing']);
      assert.match(res.json().message, /event-missing/);
    } finally {
      user.events = original;
    }
  });

  it('reads: upstream 503s are retried then → 502; once the read breaker opens → 503 service_unavailable with Retry-After, upstream not called', async () => {
    const app = await gateway();
    sim.setFaults({ errorRate: 1 });
    try {
      const first = await get(app, '/getUsers');
      assert.equal(first.statusCode, 502);
      assert.equal(first.json().error, 'upstream_failed');
      assert.equal((await simStats(sim.url)).calls['GET /getUsers'], 2, 'one retry');
      const third = await get(app, '/getEvents');
      assert.equal(third.statusCode, 503, 'its first attempt was the third failure within 30 s: the breaker opened, the retry was refused');
      assert.equal(third.json().error, 'service_unavailable');
      assert.equal((await simStats(sim.url)).calls['GET /getEvents'], 1);
      const before = await simStats(sim.url);
      const open = await get(app, '/getUsers');
      assert.equal(open.statusCode, 503);
      assert.equal(open.json().error, 'service_unavailable');
      assert.equal(open.json().retryAfter, 10);
      assert.equal(open.headers['retry-after'], '10');
      assert.deepEqual((await simStats(sim.url)).calls, before.calls, 'open breaker: no upstream call');
      const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json();
      assert.equal(ready.checks.eventsGateway.breakers.read.state, 'open');
    } finally {
      sim.setFaults({ errorRate: 0 });
    }
  });

  it('event fetches that time out are retried (per-attempt timeout from the policy), then → 502 naming the ids', async () => {
    const { app } = await buildGatewayApp(db.pool, sim.url, { settings: { timeoutMs: 150 } });
    db.closeLater(app);
    const user = sim.state.world().user('4')!;
    const original = user.events;
    const [first] = truth.users.find((u) => u.id === FANOUT_USER_ID)!.events as [string];
    user.events = [first];
    try {
      await withEventLatency(1000, async () => {
        const res = await get(app, '/getEventsByUserId/4');
        assert.equal(res.statusCode, 502);
        assert.equal(res.json().error, 'upstream_failed');
        assert.deepEqual(res.json().failedIds, [first]);
      });
      assert.equal((await simStats(sim.url)).calls[EVENT_READS], 2, 'one retry (EVENTS_RETRY_MAX_ATTEMPTS=2)');
    } finally {
      user.events = original;
    }
  });
});

