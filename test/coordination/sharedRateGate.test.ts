import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createSharedRateGate, RateGateUnavailableError, sharedRateGateFactory, type SharedRateGateOptions } from '../../src/coordination/index.ts';
import { createPool, type Pool } from '../../src/db/index.ts';
import { classifyFailure, createManualClock, createPolicy, DeadlineExceededError, PACING_HEADROOM, systemClock, UpstreamHttpError } from '../../src/resilience/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { settings } from '../resilience/helpers.ts';
import { busiestWindow, otherProcessPool, runWorkers } from './helpers.ts';
import { waitFor } from '../helpers/waitFor.ts';

const db = useTestDb();
let other: Pool;

const opts = (over: Partial<SharedRateGateOptions> = {}): SharedRateGateOptions => ({ perMinute: 60, burst: 3, backoffBaseMs: 1_000, backoffMaxMs: 8_000, ...over });
let n = 0;
const freshKey = () => `connection:test-${++n}`;
const GAP = Math.ceil(1000 / PACING_HEADROOM); // 60/min paced 3 % under: 1031 ms apart

async function pauseEpoch(key: string): Promise<string | undefined> {
  const { rows } = await db.pool.query<{ pause_epoch: string }>('SELECT pause_epoch FROM rate_buckets WHERE key = $1', [key]);
  return rows[0]?.pause_epoch;
}

async function untilEpoch(key: string, epoch: string): Promise<void> {
  await waitFor('the pause to reach the database', async () => (await pauseEpoch(key)) === epoch, { timeoutMs: 2500, everyMs: 5 });
}

describe('shared rate gate (PostgreSQL)', () => {
  // In the suite, not at the top level: there the database's before() would not have finished.
  before(() => {
    other = otherProcessPool(db.url);
    db.onClose(() => other.end());
  });

  it('two processes on one key never exceed the rate together: burst, then one call per paced interval, every waiter served', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const gates = [createSharedRateGate(db.pool, key, opts(), clock), createSharedRateGate(other, key, opts(), clock)];
    const grants: Array<{ at: number; worker: number }> = [];
    // Three workers per process, each calling as fast as the gate lets it for two clock minutes.
    await runWorkers(clock, 6, async (w) => {
      while (clock.now() - start < 120_000) {
        await gates[w % 2]!.acquire();
        grants.push({ at: clock.now() - start, worker: w });
      }
    });
    // Workers hold reservations past the two minutes; the window counted is the first two minutes.
    const times = grants.map((g) => g.at).filter((t) => t < 120_000);
    const paced = Math.floor((120_000 * 60 * PACING_HEADROOM) / 60_000);
    assert.ok(times.length <= 3 + paced + 1, `${times.length} grants in 2 min`);
    assert.ok(times.length >= 3 + paced - 1, `the rate is used, not wasted: ${times.length}`);
    assert.deepEqual(times.slice(0, 3), [0, 0, 0], 'the burst goes at once');
    assert.ok(busiestWindow(grants.map((g) => g.at).slice(3), 10_000) <= Math.ceil(10_000 / GAP), 'after the burst: one call per paced interval');
    // Served in turn: no worker of either process starves.
    const perWorker = Array.from({ length: 6 }, (_, w) => grants.filter((g) => g.worker === w).length);
    assert.ok(Math.min(...perWorker) >= Math.floor(grants.length / 6) - 1, `per worker: ${perWorker.join(',')}`);
  });

  it('a 429 seen through one process pauses the other until Retry-After, then one call, then the paced rate', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const a = createSharedRateGate(db.pool, key, opts({ burst: 5 }), clock);
    const b = createSharedRateGate(other, key, opts({ burst: 5 }), clock);
    await a.acquire();
    assert.equal(a.throttled(30_000), 30_000);
    await untilEpoch(key, '1');
    const times: number[] = [];
    await runWorkers(clock, 1, async () => {
      for (let i = 0; i < 3; i++) {
        await b.acquire();
        times.push(clock.now() - start);
      }
    });
    assert.deepEqual(times, [30_000, 30_000 + GAP, 30_000 + 2 * GAP]);
    assert.equal(b.pausedForMs(), 0);
  });

  it('X-RateLimit-Remaining: 0 seen through one process pauses the other until the reset', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const a = createSharedRateGate(db.pool, key, opts(), clock);
    const b = createSharedRateGate(other, key, opts(), clock);
    await b.acquire();
    assert.equal(a.observe({ remaining: 0, resetAt: start + 45_000 }), 45_000);
    assert.equal(a.observe({ remaining: 100 }), 0, 'a remainder above the burst changes nothing');
    await untilEpoch(key, '1');
    const [waited] = await runWorkers(clock, 1, () => b.acquire());
    assert.equal(waited!.waitedMs, 45_000);
    assert.ok(b.pausedForMs() === 0);
  });

  it('a pause voids reservations taken before it: a waiter of the other process goes after the pause, not at its old slot', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const a = createSharedRateGate(db.pool, key, opts({ burst: 1 }), clock);
    const b = createSharedRateGate(other, key, opts({ burst: 1 }), clock);
    await b.acquire(); // the bucket is empty now
    const waiting = b.acquire(); // reserves the slot at GAP
    for (let i = 0; i < 500 && clock.pending().length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    assert.deepEqual(clock.pending().map((s) => s.wakeAt - start), [GAP]);
    a.throttled(20_000);
    await untilEpoch(key, '1');
    const [got] = await runWorkers(clock, 1, () => waiting);
    assert.equal(got!.waitedMs, 20_000);
  });

  it('a 429 without Retry-After backs off by the 429s in a row of all processes; a success ends the streak', async () => {
    const clock = createManualClock();
    const key = freshKey();
    const a = createSharedRateGate(db.pool, key, opts(), clock);
    const b = createSharedRateGate(other, key, opts(), clock);
    await a.acquire();
    await b.acquire();
    a.throttled(undefined);
    await untilEpoch(key, '1');
    b.throttled(undefined);
    await untilEpoch(key, '2');
    const { rows } = await db.pool.query<{ throttled_in_a_row: number; paused_for: number }>('SELECT throttled_in_a_row, paused_until - $2::float8 AS paused_for FROM rate_buckets WHERE key = $1', [key, clock.now()]);
    assert.deepEqual(rows[0], { throttled_in_a_row: 2, paused_for: 2_000 }, 'the second 429 in a row, whoever saw it, waits base × 2');
    await runWorkers(clock, 1, () => a.acquire());
    a.accepted();
    for (let i = 0; i < 500; i++) {
      const r = await db.pool.query<{ throttled_in_a_row: number }>('SELECT throttled_in_a_row FROM rate_buckets WHERE key = $1', [key]);
      if (r.rows[0]!.throttled_in_a_row === 0) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.fail('accepted() did not reset the streak');
  });

  it('keys do not block each other: a long queue on one connection leaves another untouched', async () => {
    const clock = createManualClock();
    const slow = freshKey();
    const fast = freshKey();
    const s = createSharedRateGate(db.pool, slow, opts({ perMinute: 1, burst: 1 }), clock);
    await s.acquire();
    const queued = [s.acquire(), createSharedRateGate(other, slow, opts({ perMinute: 1, burst: 1 }), clock).acquire()];
    queued.forEach((p) => p.catch(() => undefined));
    const f = createSharedRateGate(other, fast, opts({ perMinute: 1, burst: 1 }), clock);
    assert.deepEqual(await f.acquire(), { waitedMs: 0 });
    const waits = await runWorkers(clock, 2, (i) => queued[i]!);
    assert.deepEqual(waits.map((w) => Math.round(w.waitedMs / 1000)).sort((x, y) => x - y), [62, 124], 'the slow queue is served one per (paced) minute');
  });

  it('many waiters of two processes are all served, one slot each, in the order they queued', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const gates = [createSharedRateGate(db.pool, key, opts({ perMinute: 600, burst: 1 }), clock), createSharedRateGate(other, key, opts({ perMinute: 600, burst: 1 }), clock)];
    const served = await runWorkers(clock, 20, async (i) => {
      await gates[i % 2]!.acquire();
      return clock.now() - start;
    });
    // The i-th in line is served at its slot, i paced intervals after the first.
    const ratePerMs = (600 * PACING_HEADROOM) / 60_000;
    assert.deepEqual([...served].sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => Math.max(0, Math.ceil(i / ratePerMs - 1e-9))));
  });

  it('a slot past the deadline is refused without taking it; an abandoned wait gives its slot back', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const gate = createSharedRateGate(db.pool, key, opts({ burst: 1 }), clock);
    await gate.acquire();
    await assert.rejects(gate.acquire({ deadlineAt: start + 500, deadlineMs: 500 }), DeadlineExceededError);
    const ac = new AbortController();
    const abandoned = gate.acquire({ signal: ac.signal });
    for (let i = 0; i < 500 && clock.pending().length === 0; i++) await new Promise((r) => setTimeout(r, 2));
    ac.abort();
    await assert.rejects(abandoned);
    const [next] = await runWorkers(clock, 1, () => gate.acquire());
    assert.equal(next!.waitedMs, GAP, 'neither the refused nor the abandoned slot delays the next caller');
  });

  it('createPolicy with sharedRateGateFactory: two processes\' policies share one bucket, and a 429 from one holds the other', async () => {
    const clock = createManualClock();
    const start = clock.now();
    const key = freshKey();
    const s = settings({ rateLimitPerMin: 60, rateLimitBurst: 2, maxAttempts: 2 });
    const p1 = createPolicy('shared-1', s, { clock, rateGate: sharedRateGateFactory(db.pool, key) });
    const p2 = createPolicy('shared-2', s, { clock, rateGate: sharedRateGateFactory(other, key) });
    const calls: Array<{ at: number; by: string }> = [];
    let at429: number | undefined;
    await runWorkers(clock, 2, async (i) => {
      const p = i === 0 ? p1 : p2;
      for (let k = 0; k < 3; k++) {
        await p.execute(async () => {
          calls.push({ at: clock.now() - start, by: p.name });
          if (p === p1 && k === 1 && at429 === undefined) {
            at429 = clock.now() - start;
            throw new UpstreamHttpError(p.name, 429, {}, '', 10_000);
          }
        });
      }
    });
    const times = calls.map((c) => c.at).sort((x, y) => x - y);
    assert.equal(calls.length, 7, '6 calls and one retry');
    // Which process takes the burst first depends on who reaches the row lock first: the 429 may
    // come at time 0 (p1 took both burst tokens) or later; the rule below holds either way.
    assert.ok(at429 !== undefined);
    assert.deepEqual(times.filter((t) => t > at429! && t < at429! + 10_000), [], `after the 429 nobody calls until Retry-After: ${times.join(',')}`);
    assert.ok(times.includes(at429 + 10_000), 'the retry goes when the pause ends');
    assert.ok(busiestWindow(times, GAP) <= 2);
  });

  it('timed by the database clock, with real time: two processes stay under the rate together', async () => {
    const key = freshKey();
    const o = opts({ perMinute: 1200, burst: 2, time: 'database' });
    const gates = [createSharedRateGate(db.pool, key, o, systemClock), createSharedRateGate(other, key, o, systemClock)];
    const start = Date.now();
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        while (Date.now() - start < 1_000) {
          await gates[w % 2]!.acquire();
          grants.push(Date.now());
        }
      }),
    );
    const elapsed = Date.now() - start;
    assert.ok(grants.length <= 2 + Math.ceil((elapsed * 1200 * PACING_HEADROOM) / 60_000) + 1, `${grants.length} in ${elapsed} ms`);
    assert.ok(grants.length >= 10, `${grants.length} in ${elapsed} ms`);
  });

  it('database unreachable: acquire fails (after a short retry) instead of letting calls through unmetered', async () => {
    const dead = createPool('postgres://nobody@127.0.0.1:1/none', { max: 1 });
    try {
      const gate = createSharedRateGate(dead, freshKey(), opts(), systemClock);
      await assert.rejects(gate.acquire(), RateGateUnavailableError);
      // Not mistaken for the upstream being unreachable: the policy neither retries it nor counts it against the breaker.
      const policy = createPolicy('gate-down', settings({ maxAttempts: 3 }), { rateGate: gate });
      let called = 0;
      await assert.rejects(policy.execute(async () => called++), RateGateUnavailableError);
      assert.equal(called, 0);
      assert.deepEqual(classifyFailure(new RateGateUnavailableError('k', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).retryable, false);
      // Push-back still holds this process back while it cannot be shared.
      assert.equal(gate.throttled(5_000), 5_000);
      assert.ok(gate.pausedForMs() > 4_000);
    } finally {
      await dead.end();
    }
  });
});
