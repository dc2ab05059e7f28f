import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createActivityTicker,
  createFaultState,
  createManualClock,
  createRng,
  createSimulatorApp,
  installFaultHooks,
  registerControlRoutes,
  resolveFaults,
  startSimulator,
  FaultConfigError,
  type RunningSimulator,
} from '../../src/sandbox/common/index.ts';

function buildToy(overrides: Parameters<typeof resolveFaults>[1] = {}) {
  const faults = createFaultState(resolveFaults('toy', overrides));
  const clock = createManualClock(Date.UTC(2025, 0, 1));
  const app = createSimulatorApp();
  let ticks = 0;
  const ticker = createActivityTicker(clock.now(), 60_000, () => ticks++);
  const counters = installFaultHooks(app, {
    faults,
    rng: createRng(faults.get().seed).fork('faults'),
    responders: {
      unavailable: (_req, reply) => void reply.code(503).send({ error: 'down' }),
      rateLimited: (_req, reply, info) => void reply.code(429).header('retry-after', Math.ceil(info.retryAfterMs / 1000)).send({ error: 'slow' }),
    },
  });
  registerControlRoutes(app, { name: 'toy', faults, clock, counters, truth: () => ({ ticks }), catchUp: () => ({ steps: ticker.catchUp(clock.now()) }) });
  app.get('/thing', async () => ({ ok: true }));
  return { app, state: { ticks: () => ticks }, faults, clock };
}

describe('sandbox common plumbing', () => {
  let sim: RunningSimulator<{ ticks: () => number }>;
  before(async () => {
    sim = await startSimulator(buildToy(), { port: 0 });
  });
  after(() => sim.close());

  it('reads SANDBOX_<NAME>_<KNOB> env over defaults and names a bad variable', () => {
    const f = resolveFaults('stripe', { defaults: { records: 2000 }, env: { SANDBOX_STRIPE_ERROR_RATE: '0.2', SANDBOX_STRIPE_STALE_CURSOR: 'true' } });
    assert.equal(f.errorRate, 0.2);
    assert.equal(f.records, 2000);
    assert.equal(f.staleCursor, true);
    assert.throws(() => resolveFaults('stripe', { env: { SANDBOX_STRIPE_ERROR_RATE: '2' } }), (e: unknown) => e instanceof FaultConfigError && /SANDBOX_STRIPE_ERROR_RATE/.test(e.message));
  });

  it('POST /__sandbox/faults validates and returns the current knobs', async () => {
    const bad = await fetch(`${sim.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 3 }) });
    assert.equal(bad.status, 400);
    const unknown = await fetch(`${sim.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nope: 1 }) });
    assert.equal(unknown.status, 400);
    const ok = await fetch(`${sim.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 1 }) });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { latencyMs: number }).latencyMs, 1);
    sim.setFaults({ latencyMs: 0 });
  });

  it('injects 503s at errorRate within tolerance over 600 calls, never on control paths', async () => {
    sim.setFaults({ errorRate: 0.3 });
    let errors = 0;
    for (let i = 0; i < 600; i++) {
      const res = await fetch(`${sim.url}/thing`);
      await res.arrayBuffer();
      if (res.status === 503) errors++;
      else assert.equal(res.status, 200);
    }
    for (let i = 0; i < 50; i++) assert.equal((await fetch(`${sim.url}/health`)).status, 200);
    sim.setFaults({ errorRate: 0 });
    assert.ok(errors > 600 * 0.3 - 60 && errors < 600 * 0.3 + 60, `errors=${errors}`);
  });

  it('rate limit answers with the vendor responder once the per-minute budget is spent', async () => {
    sim.setFaults({ rateLimitPerMin: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${sim.url}/thing`, { headers: { authorization: 'Bearer rl' } });
      statuses.push(res.status);
      if (res.status === 429) assert.ok(Number(res.headers.get('retry-after')) > 0);
      await res.arrayBuffer();
    }
    sim.setFaults({ rateLimitPerMin: 0 });
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('a timed-out call gets no answer and its socket is destroyed on close', async () => {
    const other = await startSimulator(buildToy({ overrides: { timeoutRate: 1 } }));
    const ctl = new AbortController();
    const pending = fetch(`${other.url}/thing`, { signal: ctl.signal }).then(
      () => 'answered',
      () => 'failed',
    );
    const raced = await Promise.race([pending, new Promise((r) => setTimeout(() => r('silent'), 300))]);
    assert.equal(raced, 'silent');
    await other.close(); // must not hang on the held socket
    assert.equal(await pending, 'failed');
  });

  it('advance moves simulated time and runs one activity step per simulated minute', async () => {
    const res = await fetch(`${sim.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes: 60 }) });
    const body = (await res.json()) as { steps: number; now: string };
    assert.equal(body.steps, 60);
    assert.equal(body.now, new Date(Date.UTC(2025, 0, 1, 1)).toISOString());
    assert.equal(sim.state.ticks(), 60);
  });

  it('the same seed gives the same random sequence', () => {
    const a = createRng(7);
    const b = createRng(7);
    assert.deepEqual([a.chars(10), a.int(1, 100), a.fork('x').next()], [b.chars(10), b.int(1, 100), b.fork('x').next()]);
  });
});
