import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { FANOUT_USER_ID, startEventServiceSimulator, type EsEvent, type EsUser, type EventServiceSimState, type EventServiceTruth } from '../../src/sandbox/eventservice/index.ts';

async function call<T = Record<string, unknown>>(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined ? { headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

interface Stats {
  calls: Record<string, number>;
  maxInFlightByRoute: Record<string, number>;
  eventReads: Record<string, number>;
}

describe('event-service simulator', () => {
  let sim: RunningSimulator<EventServiceSimState>;
  before(async () => {
    sim = await startEventServiceSimulator({ knobs: { eventLatencyMs: 0 } });
  });
  after(() => sim.close());

  it('defaults are the original service\'s: 500 ms event reads, 5 OK / 10 failing writes', async () => {
    const fresh = await startEventServiceSimulator();
    try {
      assert.deepEqual((await call(`${fresh.url}/__sandbox/settings`)).body, { eventLatencyMs: 500, writeLatencyMs: 0, writeOkCount: 5, writeFailCount: 10, writeCycle: true });
    } finally {
      await fresh.close();
    }
  });

  it('its own knobs come from SANDBOX_EVENTSERVICE_* env vars, and a bad one names the variable', async () => {
    const env = { SANDBOX_EVENTSERVICE_EVENT_LATENCY_MS: '7', SANDBOX_EVENTSERVICE_WRITE_FAIL_COUNT: '0', SANDBOX_EVENTSERVICE_RECORDS: '3' };
    const fromEnv = await startEventServiceSimulator({ env });
    try {
      assert.deepEqual((await call(`${fromEnv.url}/__sandbox/settings`)).body, { eventLatencyMs: 7, writeLatencyMs: 0, writeOkCount: 5, writeFailCount: 0, writeCycle: true });
      assert.equal((await call<EsUser[]>(`${fromEnv.url}/getUsers`)).body.length, 3);
    } finally {
      await fromEnv.close();
    }
    await assert.rejects(startEventServiceSimulator({ env: { SANDBOX_EVENTSERVICE_WRITE_CYCLE: 'maybe' } }), /SANDBOX_EVENTSERVICE_WRITE_CYCLE/);
  });

  it('serves users {id, name, events} and events {id, name, userId} exactly as the truth holds them; user 1 has 50 events', async () => {
    const truth = (await call<EventServiceTruth>(`${sim.url}/__sandbox/truth`)).body;
    const users = (await call<EsUser[]>(`${sim.url}/getUsers`)).body;
    const events = (await call<EsEvent[]>(`${sim.url}/getEvents`)).body;
    assert.deepEqual(users, truth.users);
    assert.deepEqual(events, truth.events);
    assert.equal(users.length, 20);
    assert.deepEqual(Object.keys(users[0]!).sort(), ['events', 'id', 'name']);
    assert.deepEqual(Object.keys(events[0]!).sort(), ['id', 'name', 'userId']);
    assert.equal(truth.fanoutUserId, FANOUT_USER_ID);
    const fanout = (await call<EsUser>(`${sim.url}/getUserById/${FANOUT_USER_ID}`)).body;
    assert.equal(fanout.events.length, 50);
    const one = await call<EsEvent>(`${sim.url}/getEventById/${fanout.events[7]}`);
    assert.deepEqual(one.body, events.find((e) => e.id === fanout.events[7]));
    assert.equal((await call(`${sim.url}/getUserById/nobody`)).status, 404);
    assert.equal((await call(`${sim.url}/getEventById/event-nope`)).status, 404);
  });

  it('writes cycle: 5 succeed, the next 10 answer 503, then 5 succeed again', async () => {
    await call(`${sim.url}/__sandbox/write-cycle/reset`, { method: 'POST' });
    const before = (await call<EventServiceTruth>(`${sim.url}/__sandbox/truth`)).body;
    const statuses: number[] = [];
    let failure: unknown;
    for (let i = 0; i < 20; i++) {
      const res = await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: `Meeting ${i}`, userId: '3' } });
      statuses.push(res.status);
      if (res.status === 503) failure = res.body;
      else assert.equal(res.body.success, true);
    }
    assert.deepEqual(statuses, [...Array(5).fill(200), ...Array(10).fill(503), ...Array(5).fill(200)]);
    assert.deepEqual(failure, { success: false, error: 'Service temporarily unavailable', message: 'Event API is experiencing high load' });
    const after = (await call<EventServiceTruth>(`${sim.url}/__sandbox/truth`)).body;
    assert.equal(after.events.length, before.events.length + 10);
    assert.deepEqual(after.writes, { calls: before.writes.calls + 20, succeeded: before.writes.succeeded + 10, failed: before.writes.failed + 10, replayed: before.writes.replayed });
    const user3 = (await call<EsUser>(`${sim.url}/getUserById/3`)).body;
    assert.equal(user3.events.length, before.users.find((u) => u.id === '3')!.events.length + 10);
  });

  it('the write cycle is set through the faults endpoint: other counts, or off', async () => {
    await call(`${sim.url}/__sandbox/write-cycle/reset`, { method: 'POST' });
    const set = await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { writeOkCount: 2, writeFailCount: 1, latencyMs: 0 } });
    assert.equal(set.status, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: 'x', userId: '2' } })).status);
    assert.deepEqual(statuses, [200, 200, 503, 200, 200, 503]);
    await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { writeCycle: false } });
    for (let i = 0; i < 20; i++) assert.equal((await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: 'y', userId: '2' } })).status, 200);
    assert.equal((await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { writeOkCount: 0 } })).status, 400);
    await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { writeCycle: true, writeOkCount: 5, writeFailCount: 10 } });
  });

  it('addEvent validates its body (400) and its user (404)', async () => {
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { writeCycle: false } });
    assert.equal((await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: '' , userId: '1' } })).status, 400);
    assert.equal((await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: 'ok' } })).status, 400);
    assert.equal((await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: 'ok', userId: 'ghost' } })).status, 404);
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { writeCycle: true } });
  });

  it('addEvent honours Idempotency-Key as Stripe does: same key and body → the same event, replayed; another body → 400; while running → 409; a refused write keeps nothing', async () => {
    const truth = async () => (await call<EventServiceTruth>(`${sim.url}/__sandbox/truth`)).body;
    await call(`${sim.url}/__sandbox/write-cycle/reset`, { method: 'POST' });
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { writeOkCount: 1, writeFailCount: 1 } });
    const headers = { 'idempotency-key': 'sim-key-1' };
    const body = { name: 'Keyed', userId: '2' };
    const before = await truth();
    const first = await call<{ event: EsEvent }>(`${sim.url}/addEvent`, { method: 'POST', body, headers });
    assert.equal(first.status, 200);
    assert.equal(first.replayed, false);
    // The next write slot answers 503, but a replay is served from the key before the cycle.
    const again = await call<{ event: EsEvent }>(`${sim.url}/addEvent`, { method: 'POST', body: { userId: '2', name: 'Keyed' }, headers });
    assert.deepEqual({ status: again.status, body: again.body, replayed: again.replayed }, { status: 200, body: first.body, replayed: true });
    const other = await call(`${sim.url}/addEvent`, { method: 'POST', body: { name: 'Other', userId: '2' }, headers });
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'Idempotency key reused');
    const after = await truth();
    assert.equal(after.events.length, before.events.length + 1, 'one event for the key');
    assert.equal(after.writes.replayed, before.writes.replayed + 1);

    // Load-shed (503) before it ran: nothing kept, so the retry under the same key runs.
    const shed = await call(`${sim.url}/addEvent`, { method: 'POST', body, headers: { 'idempotency-key': 'sim-key-2' } });
    assert.equal(shed.status, 503);
    const retried = await call(`${sim.url}/addEvent`, { method: 'POST', body, headers: { 'idempotency-key': 'sim-key-2' } });
    assert.equal(retried.status, 200);
    assert.equal(retried.replayed, false);

    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { writeCycle: false, writeLatencyMs: 300 } });
    const slow = call<{ event: EsEvent }>(`${sim.url}/addEvent`, { method: 'POST', body, headers: { 'idempotency-key': 'sim-key-3' } });
    await new Promise((r) => setTimeout(r, 100));
    const busy = await call(`${sim.url}/addEvent`, { method: 'POST', body, headers: { 'idempotency-key': 'sim-key-3' } });
    assert.equal(busy.status, 409);
    const done = await slow;
    assert.equal(done.status, 200);
    const later = await call<{ event: EsEvent }>(`${sim.url}/addEvent`, { method: 'POST', body, headers: { 'idempotency-key': 'sim-key-3' } });
    assert.deepEqual(later.body, done.body);
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { writeCycle: true, writeLatencyMs: 0, writeOkCount: 5, writeFailCount: 10 } });
  });

  it('getEventById waits eventLatencyMs before answering', async () => {
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { eventLatencyMs: 120 } });
    const t0 = performance.now();
    const res = await call(`${sim.url}/getEventById/event-1`);
    const elapsed = performance.now() - t0;
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { eventLatencyMs: 0 } });
    assert.equal(res.status, 200);
    assert.ok(elapsed >= 115, `answered after ${elapsed} ms`);
  });

  it('stats record reads per event id and the maximum of concurrent event reads', async () => {
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { eventLatencyMs: 2500 } });
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    const fanout = (await call<EsUser>(`${sim.url}/getUserById/${FANOUT_USER_ID}`)).body;
    await Promise.all(fanout.events.map((id) => call(`${sim.url}/getEventById/${id}`)));
    await call(`${sim.url}/__sandbox/settings`, { method: 'POST', body: { eventLatencyMs: 0 } });
    await call(`${sim.url}/getEventById/${fanout.events[0]}`);
    await call(`${sim.url}/getEventById/${fanout.events[0]}`);
    const stats = (await call<Stats>(`${sim.url}/__sandbox/stats`)).body;
    assert.equal(stats.maxInFlightByRoute['GET /getEventById/:id'], 50);
    assert.equal(stats.calls['GET /getEventById/:id'], 52);
    assert.equal(stats.eventReads[fanout.events[0]!], 3);
    assert.equal(Object.keys(stats.eventReads).length, 50);
    await call(`${sim.url}/__sandbox/stats/reset`, { method: 'POST' });
    const cleared = (await call<Stats>(`${sim.url}/__sandbox/stats`)).body;
    assert.deepEqual([cleared.calls, cleared.eventReads, cleared.maxInFlightByRoute], [{}, {}, {}]);
  });

  it('generic fault knobs apply to the API but not to control endpoints', async () => {
    await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { errorRate: 1 } });
    const res = await call(`${sim.url}/getUsers`);
    assert.equal(res.status, 503);
    assert.equal((await call(`${sim.url}/health`)).status, 200);
    await call(`${sim.url}/__sandbox/faults`, { method: 'POST', body: { errorRate: 0 } });
    assert.equal((await call(`${sim.url}/getUsers`)).status, 200);
  });
});
