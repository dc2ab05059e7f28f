import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { registry } from '../../src/metrics.ts';
import {
  CircuitOpenError,
  createManualClock,
  createPolicy,
  policySnapshots,
  UpstreamHttpError,
  UpstreamTimeoutError,
  type UpstreamPolicy,
} from '../../src/resilience/index.ts';
import { settings } from './helpers.ts';

// Seed 003 defaults: 3 failures within 30 s open; half-open after 10 s, doubling up to 60 s.
const breakerSettings = settings({ maxAttempts: 1, breakerThreshold: 3, breakerWindowMs: 30_000, breakerHalfOpenAfterMs: 10_000, breakerMaxHalfOpenAfterMs: 60_000 });

const fail503 = async (): Promise<never> => {
  throw new UpstreamHttpError('test', 503, {}, { error: 'down' });
};
const ok = async () => 'ok';

async function failOnce(policy: UpstreamPolicy): Promise<unknown> {
  return policy.execute(fail503).catch((e: unknown) => e);
}

describe('circuit breaker', () => {
  it('opens after the threshold of failures within the window', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-opens', breakerSettings, { clock });
    await failOnce(policy);
    await clock.advance(5_000);
    await failOnce(policy);
    assert.equal(policy.breakerState(), 'closed');
    await clock.advance(5_000);
    await failOnce(policy);
    assert.equal(policy.breakerState(), 'open');
    assert.equal(policy.breakerRetryAfterMs(), 10_000);
  });

  it('failures older than the window do not count', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-window', breakerSettings, { clock });
    await failOnce(policy); // t=0
    await clock.advance(20_000);
    await failOnce(policy); // t=20 s
    await clock.advance(20_000);
    await failOnce(policy); // t=40 s: the t=0 failure has left the 30 s window
    assert.equal(policy.breakerState(), 'closed');
    await clock.advance(5_000);
    await failOnce(policy); // t=45 s: 20, 40, 45 are within 30 s
    assert.equal(policy.breakerState(), 'open');
  });

  it('a success resets the run of consecutive failures', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-consecutive', breakerSettings, { clock });
    await failOnce(policy);
    await failOnce(policy);
    await policy.execute(ok);
    await failOnce(policy);
    await failOnce(policy);
    assert.equal(policy.breakerState(), 'closed');
  });

  it('4xx answers (404, 400) do not trip it; timeouts do', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-4xx', breakerSettings, { clock });
    for (const status of [404, 400, 404, 400, 404]) {
      await policy.execute(async () => {
        throw new UpstreamHttpError('cb-4xx', status, {}, undefined);
      }).catch(() => undefined);
    }
    assert.equal(policy.breakerState(), 'closed');
    for (let i = 0; i < 3; i++) {
      await policy.execute(async () => {
        throw new UpstreamTimeoutError('cb-4xx', 1000);
      }).catch(() => undefined);
    }
    assert.equal(policy.breakerState(), 'open');
  });

  it('calls while open throw CircuitOpenError with retryAfterMs at once and never reach fn', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-open-fast', breakerSettings, { clock });
    for (let i = 0; i < 3; i++) await failOnce(policy);
    await clock.advance(4_000);
    let reached = 0;
    const err = await policy.execute(async () => {
      reached++;
      return 'x';
    }).catch((e: unknown) => e);
    assert.ok(err instanceof CircuitOpenError);
    assert.equal(err.retryAfterMs, 6_000);
    assert.equal(err.upstream, 'cb-open-fast');
    assert.equal(reached, 0);
  });

  it('goes half-open after the open period, and a successful probe closes it', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-half-open', breakerSettings, { clock });
    for (let i = 0; i < 3; i++) await failOnce(policy);
    await clock.advance(9_999);
    assert.equal(policy.breakerState(), 'open');
    await clock.advance(1);
    assert.equal(policy.breakerState(), 'half_open');
    assert.equal(policy.breakerRetryAfterMs(), 0);
    assert.equal(await policy.execute(ok), 'ok');
    assert.equal(policy.breakerState(), 'closed');
  });

  it('open periods after repeated failed probes are 10 s, 20 s, 40 s, 60 s, 60 s, and reset after closing', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-backoff', breakerSettings, { clock });
    for (let i = 0; i < 3; i++) await failOnce(policy);
    const periods: number[] = [];
    for (let probe = 0; probe < 5; probe++) {
      const period = policy.breakerRetryAfterMs();
      periods.push(period);
      await clock.advance(period - 1);
      assert.equal(policy.breakerState(), 'open', 'still open 1 ms before the period ends');
      await clock.advance(1);
      assert.equal(policy.breakerState(), 'half_open');
      await failOnce(policy); // the probe fails
      assert.equal(policy.breakerState(), 'open');
    }
    assert.deepEqual(periods, [10_000, 20_000, 40_000, 60_000, 60_000]);

    await clock.advance(policy.breakerRetryAfterMs());
    await policy.execute(ok);
    assert.equal(policy.breakerState(), 'closed');
    for (let i = 0; i < 3; i++) await failOnce(policy);
    assert.equal(policy.breakerRetryAfterMs(), 10_000, 'a closed breaker starts again from the first period');
  });

  it('lets one probe through while half-open; concurrent callers wait for its verdict', async () => {
    const clock = createManualClock();
    const policy = createPolicy('cb-one-probe', breakerSettings, { clock });
    for (let i = 0; i < 3; i++) await failOnce(policy);
    await clock.advance(10_000);
    let release!: () => void;
    let reached = 0;
    const probe = policy.execute(() => {
      reached++;
      return new Promise<string>((r) => (release = () => r('probe')));
    });
    const others = [1, 2, 3].map(() =>
      policy.execute(async () => {
        reached++;
        return 'other';
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(reached, 1, 'only the probe reached the upstream');
    release();
    assert.equal(await probe, 'probe');
    assert.deepEqual(await Promise.all(others), ['other', 'other', 'other']);
    assert.equal(policy.breakerState(), 'closed');
  });

  it('is observable: policySnapshots, prom-client metrics and structured logs of every transition', async () => {
    const clock = createManualClock();
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const logger = createLogger({ level: 'debug' }, sink);
    const policy = createPolicy('cb-observed', breakerSettings, { clock, logger });
    for (let i = 0; i < 3; i++) await failOnce(policy);

    assert.deepEqual(policySnapshots().find((s) => s.name === 'cb-observed'), { name: 'cb-observed', state: 'open', retryAfterMs: 10_000, transitions: { open: 1 } });
    const state = await registry.getSingleMetricAsString('buffalo_upstream_breaker_state');
    assert.match(state, /buffalo_upstream_breaker_state\{upstream="cb-observed"\} 1/);
    await clock.advance(10_000);
    await policy.execute(ok);
    assert.match(await registry.getSingleMetricAsString('buffalo_upstream_breaker_state'), /upstream="cb-observed"\} 0/);
    const transitions = await registry.getSingleMetricAsString('buffalo_upstream_breaker_transitions_total');
    for (const to of ['open', 'half_open', 'closed']) assert.match(transitions, new RegExp(`upstream="cb-observed",to="${to}"\\} 1`));
    const attempts = await registry.getSingleMetricAsString('buffalo_upstream_attempts_total');
    assert.match(attempts, /upstream="cb-observed",outcome="http_503"\} 3/);
    assert.match(attempts, /upstream="cb-observed",outcome="success"\} 1/);

    await new Promise((r) => setImmediate(r));
    const logged = lines.filter((l) => l.upstream === 'cb-observed' && l.event === 'breaker_transition').map((l) => l.to);
    assert.deepEqual(logged, ['open', 'half_open', 'closed']);
    assert.equal(lines.filter((l) => l.event === 'attempt').length, 4, 'every attempt is logged');
  });
});
