import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock, createPolicy, UpstreamHttpError, type RateGate, type RateGateSettings } from '../../src/resilience/index.ts';
import { drive, settings } from './helpers.ts';

/** A gate that records what the policy asks of it. */
function recordingGate(): RateGate & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    acquire: async () => (log.push('acquire'), { waitedMs: 0 }),
    throttled: (ms) => (log.push(`throttled ${ms}`), ms ?? 0),
    accepted: () => void log.push('accepted'),
    observe: (hint) => (log.push(`observe ${hint.remaining}`), 0),
    pausedForMs: () => 0,
  };
}

describe('rate gate injection', () => {
  it('a factory gets the policy\'s rate settings; every attempt acquires from the gate and push-back reaches it', async () => {
    const clock = createManualClock();
    const gate = recordingGate();
    let seen: RateGateSettings | undefined;
    const policy = createPolicy('gate-injected', settings({ rateLimitPerMin: 30, rateLimitBurst: 4, maxAttempts: 2 }), {
      clock,
      rateGate: (s) => ((seen = s), gate),
    });
    assert.deepEqual({ ...seen, clock: undefined }, { name: 'gate-injected', clock: undefined, perMinute: 30, burst: 4, backoffBaseMs: 100, backoffMaxMs: 1_000 });
    let n = 0;
    const result = await drive(
      clock,
      policy.execute(async () => {
        if (++n === 1) throw new UpstreamHttpError('gate-injected', 429, { 'x-ratelimit-remaining': '0' }, '', 500);
        return 'ok';
      }),
    );
    assert.equal(result, 'ok');
    policy.observeResponse?.(200, { 'x-ratelimit-remaining': '7' });
    assert.deepEqual(gate.log, ['acquire', 'observe 0', 'throttled 500', 'acquire', 'accepted', 'accepted', 'observe 7']);
  });
});
