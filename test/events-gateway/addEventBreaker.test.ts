import { before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { OPEN_BREAKER_MESSAGE } from '../../src/events-gateway/index.ts';
import type { App } from '../../src/http/index.ts';
import { createManualClock, type ManualClock } from '../../src/resilience/index.ts';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startEventServiceSimulator, type EventServiceSimState } from '../../src/sandbox/eventservice/index.ts';
import { API_HEADERS } from '../helpers/app.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { buildGatewayApp, simControl, simStats, WRITES } from './support.ts';

const UPSTREAM_503 = { success: false, error: 'Service temporarily unavailable', message: 'Event API is experiencing high load' };
const openBody = (retryAfter: number) => ({ success: false, error: 'Service temporarily unavailable', message: OPEN_BREAKER_MESSAGE, retryAfter, circuitBreakerState: 'OPEN' });

describe('POST /addEvent behind the write breaker (the event service contract: 3 failures in 30 s → open 10 s, doubling to 60 s)', () => {
  const db = useTestDb();
  let sim: RunningSimulator<EventServiceSimState>;
  let app: App;
  let clock: ManualClock;

  before(async () => {
    sim = db.closeLater(await startEventServiceSimulator({ knobs: { eventLatencyMs: 0 } }));
  });
  // A fresh breaker, and the simulator's write cycle back at "5 succeed, then 10 fail".
  beforeEach(async () => {
    clock = createManualClock();
    app = db.closeLater((await buildGatewayApp(db.pool, sim.url, { clock })).app);
    await simControl(sim.url, '/__sandbox/write-cycle/reset');
  });

  const add = (payload: unknown = { name: 'Team Meeting', userId: '3' }, key: string = randomUUID()) =>
    app.inject({ method: 'POST', url: '/addEvent', headers: { ...API_HEADERS, 'idempotency-key': key }, payload: payload as object });
  const writes = async () => (await simStats(sim.url)).calls[WRITES] ?? 0;
  const writeBreaker = async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    return res.json().checks.eventsGateway.breakers.write as { upstream: string; state: string; retryAfterMs: number };
  };
  const succeedFiveTimes = async () => {
    for (let i = 0; i < 5; i++) assert.equal((await add()).statusCode, 200, `write ${i + 1} of the cycle succeeds`);
  };

  it('the simulator’s 5-OK/10-fail cycle: 5 × 200, 3 × upstream 503, then OPEN without calling upstream; probes after 10, 20, 40, 60, 60 s; success closes', async () => {
    const first = await add({ name: 'Team Meeting', userId: '3' });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json().success, true);
    assert.deepEqual({ name: first.json().event.name, userId: first.json().event.userId }, { name: 'Team Meeting', userId: '3' });
    assert.match(first.json().event.id, /^event-\d+$/);
    for (let i = 0; i < 4; i++) assert.equal((await add()).statusCode, 200);

    for (let i = 1; i <= 3; i++) {
      const res = await add();
      assert.equal(res.statusCode, 503, `upstream failure ${i}`);
      assert.deepEqual(res.json(), UPSTREAM_503, 'while closed: the upstream’s status and {success:false, error}');
    }
    assert.equal(await writes(), 8, 'the three failures reached upstream');
    assert.equal((await writeBreaker()).state, 'open');

    for (let i = 0; i < 3; i++) {
      const res = await add();
      assert.equal(res.statusCode, 503);
      assert.deepEqual(res.json(), openBody(10));
      assert.equal(res.headers['retry-after'], '10');
    }
    assert.equal(await writes(), 8, 'open: upstream never called');

    // Each failed probe doubles the open period: 10 → 20 → 40 → 60 → 60.
    let period = 10;
    for (const next of [20, 40, 60, 60]) {
      await clock.advance(period * 1000 - 1);
      assert.deepEqual((await add()).json(), openBody(1), `still open 1 ms before the ${period} s period ends`);
      assert.equal((await writeBreaker()).state, 'open');
      await clock.advance(1);
      assert.equal((await writeBreaker()).state, 'half_open', `half-open after ${period} s`);
      const before = await writes();
      const probe = await add();
      assert.deepEqual({ status: probe.statusCode, body: probe.json() }, { status: 503, body: UPSTREAM_503 }, 'the probe reaches upstream and fails');
      assert.equal(await writes(), before + 1, 'exactly one probe');
      const open = await add();
      assert.deepEqual(open.json(), openBody(next), `reopened for ${next} s`);
      assert.equal(await writes(), before + 1);
      period = next;
    }

    await simControl(sim.url, '/__sandbox/write-cycle/reset');
    await clock.advance(period * 1000);
    assert.equal((await add()).statusCode, 200, 'a successful probe');
    assert.equal((await writeBreaker()).state, 'closed');
    assert.equal((await add()).statusCode, 200, 'closed again');
  });

  it('failures only open the breaker when 3 fall within 30 s', async () => {
    await succeedFiveTimes();
    assert.equal((await add()).statusCode, 503);
    await clock.advance(15_000);
    assert.equal((await add()).statusCode, 503);
    await clock.advance(16_000);
    assert.equal((await add()).statusCode, 503, 'third failure, but the first is 31 s old');
    assert.equal((await writeBreaker()).state, 'closed');
    const before = await writes();
    assert.deepEqual((await add()).json(), UPSTREAM_503, 'three failures within 30 s now: this one still reached upstream');
    assert.equal(await writes(), before + 1);
    assert.equal((await writeBreaker()).state, 'open');
    assert.deepEqual((await add()).json(), openBody(10));
  });

  it('writes are never retried: one failed POST is one upstream call', async () => {
    await succeedFiveTimes();
    const before = await writes();
    assert.equal((await add()).statusCode, 503);
    assert.equal(await writes(), before + 1);
  });

  it('an upstream 4xx passes through with its status and does not count toward the breaker', async () => {
    await simControl(sim.url, '/__sandbox/settings', { writeCycle: false });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await add({ name: 'Orphan', userId: 'nobody' });
        assert.equal(res.statusCode, 404);
        assert.deepEqual(res.json(), { success: false, error: 'User not found' });
      }
      assert.equal((await writeBreaker()).state, 'closed');
    } finally {
      await simControl(sim.url, '/__sandbox/settings', { writeCycle: true });
    }
  });

  it('/readyz reports the open breaker (degraded, still 200) and /metrics exports its gauge', async () => {
    await succeedFiveTimes();
    for (let i = 0; i < 3; i++) await add();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'degraded');
    assert.deepEqual(ready.json().checks.eventsGateway.breakers.write, { upstream: 'eventservice-write', state: 'open', retryAfterMs: 10_000 });
    assert.equal(ready.json().checks.eventsGateway.breakers.read.state, 'closed');
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /buffalo_upstream_breaker_state\{upstream="eventservice-write"\} 1/);
    assert.match(metrics, /buffalo_upstream_breaker_state\{upstream="eventservice"\} 0/);
  });

  it('invalid bodies → 400 validation_failed naming the field, without calling upstream', async () => {
    const before = await writes();
    const cases: Array<[unknown, string]> = [
      [{ userId: '3' }, 'name'],
      [{ name: '', userId: '3' }, 'name'],
      [{ name: '   ', userId: '3' }, 'name'],
      [{ name: 'x'.repeat(201), userId: '3' }, 'name'],
      [{ name: 42, userId: '3' }, 'name'],
      [{ name: 'Standup' }, 'userId'],
      [{ name: 'Standup', userId: '' }, 'userId'],
      [{ name: 'Standup', userId: 3 }, 'userId'],
      [{ name: 'Standup', userId: '3', color: 'red' }, 'color'],
    ];
    for (const [payload, field] of cases) {
      const res = await add(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error, 'validation_failed');
      assert.match(`${res.json().field ?? ''} ${res.json().message}`, new RegExp(field), `${JSON.stringify(payload)} names ${field}: ${res.body}`);
    }
    assert.equal((await add({ name: 'x'.repeat(200), userId: '3' })).statusCode, 200, '200 characters is allowed');
    assert.equal(await writes(), before + 1);
  });

  it('requires X-Api-Key and Idempotency-Key; a repeated key replays the answer without a second upstream call', async () => {
    const payload = { name: 'Retro', userId: '3' };
    const noKey = await app.inject({ method: 'POST', url: '/addEvent', headers: { 'idempotency-key': randomUUID() }, payload });
    assert.equal(noKey.statusCode, 401);
    const noIdem = await app.inject({ method: 'POST', url: '/addEvent', headers: API_HEADERS, payload });
    assert.equal(noIdem.statusCode, 400);
    assert.equal(noIdem.json().error, 'idempotency_key_required');
    const before = await writes();
    const key = randomUUID();
    const first = await add(payload, key);
    const again = await add(payload, key);
    assert.equal(first.statusCode, 200);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(await writes(), before + 1);
  });
});
