import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from '../../src/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    resolveConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('defaults are safe for local use', () => {
    const c = resolveConfig({});
    assert.equal(c.http.host, '127.0.0.1');
    assert.equal(c.http.port, 3000);
    assert.equal(c.sandbox.mode, 'auto');
    assert.equal(c.sandbox.port, 4100);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.inventory.failureRatePct, 1);
    // Seed defaults: inventory 5 failures → 30 s open, 5 s timeout; event service 3 in 30 s, 10 s → 60 s.
    assert.equal(c.resilience.inventory.breakerThreshold, 5);
    assert.equal(c.resilience.inventory.breakerHalfOpenAfterMs, 30_000);
    assert.equal(c.resilience.inventory.timeoutMs, 5000);
    assert.equal(c.resilience.eventservice.breakerThreshold, 3);
    assert.equal(c.resilience.eventservice.breakerWindowMs, 30_000);
    assert.equal(c.resilience.eventservice.breakerHalfOpenAfterMs, 10_000);
    assert.equal(c.resilience.eventservice.breakerMaxHalfOpenAfterMs, 60_000);
    assert.equal(c.resilience.adplatform.rateLimitPerMin, 10);
  });

  it('the resolved config is frozen', () => {
    const c = resolveConfig({});
    assert.throws(() => {
      (c.http as { port: number }).port = 1;
    }, TypeError);
  });

  it('each bad value yields one line naming the variable and what is expected', () => {
    const problems = problemsOf({ PORT: 'eighty', SANDBOX: 'maybe', DATABASE_URL: 'mysql://x', INVENTORY_FAILURE_RATE: '150', STRIPE_ENABLED: 'yes please' });
    assert.equal(problems.length, 5);
    assert.match(problems.find((p) => p.startsWith('PORT:')) ?? '', /expected a whole number \(got "eighty"\)/);
    assert.match(problems.find((p) => p.startsWith('SANDBOX:')) ?? '', /expected auto, on or off/);
    assert.match(problems.find((p) => p.startsWith('DATABASE_URL:')) ?? '', /postgres:\/\//);
    assert.match(problems.find((p) => p.startsWith('INVENTORY_FAILURE_RATE:')) ?? '', /≤ 100/);
    assert.match(problems.find((p) => p.startsWith('STRIPE_ENABLED:')) ?? '', /true or false/);
  });

  it('namespaced resilience settings override the seed defaults', () => {
    const c = resolveConfig({ INVENTORY_BREAKER_THRESHOLD: '7', EVENTS_BREAKER_HALF_OPEN_MS: '2000', ADPLATFORM_RATE_LIMIT_PER_MIN: '60' });
    assert.equal(c.resilience.inventory.breakerThreshold, 7);
    assert.equal(c.resilience.eventservice.breakerHalfOpenAfterMs, 2000);
    assert.equal(c.resilience.adplatform.rateLimitPerMin, 60);
    assert.match(problemsOf({ INVENTORY_BREAKER_THRESHOLD: 'many' })[0] ?? '', /^INVENTORY_BREAKER_THRESHOLD: expected a whole number/);
  });

  it('secrets are never echoed in error messages', () => {
    const [line] = problemsOf({ API_KEY: 'short' });
    assert.match(line ?? '', /^API_KEY: expected at least 16 characters \(got "\[redacted\]"\)$/);
    assert.doesNotMatch(line ?? '', /short/);
  });

  it('production requires API keys, a JWT secret and the credentials sealing key', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), ['ADMIN_API_KEY', 'API_KEY', 'BUFFALO_SECRET_KEY', 'JWT_SECRET']);
    assert.match(problems.find((p) => p.startsWith('BUFFALO_SECRET_KEY')) ?? '', /required when NODE_ENV=production/);
  });

  describe('production refuses shared and placeholder secrets, one line per variable, never the value', () => {
    const GOOD = {
      NODE_ENV: 'production',
      API_KEY: 'bk_Q7vN2xLp9cRt4mWz',
      ADMIN_API_KEY: 'bka_H3sK8dFj1gYe6uBn',
      JWT_SECRET: 'Zr5tVq8Lm2Xc7Nw4Jh9Pk3Bd6Gf1Sa0Y',
      BUFFALO_SECRET_KEY: 'c4e9f1a27b3d8e05f6a1c29d7e4b3a8f0d5c6e7f9a1b2c3d4e5f60718293a4b5',
    };

    it('accepts distinct, varied values', () => {
      assert.equal(resolveConfig(GOOD).auth.adminApiKey, GOOD.ADMIN_API_KEY);
    });

    it("refuses the reviewer's start: one trivial value for both keys, a trivial JWT secret, an all-zero secret key", () => {
      const env = { NODE_ENV: 'production', API_KEY: 'a'.repeat(16), ADMIN_API_KEY: 'a'.repeat(16), JWT_SECRET: 'a'.repeat(32), BUFFALO_SECRET_KEY: Buffer.alloc(32).toString('base64') };
      const problems = problemsOf(env);
      assert.deepEqual(problems.map((p) => p.split(':')[0]), ['ADMIN_API_KEY', 'API_KEY', 'JWT_SECRET', 'BUFFALO_SECRET_KEY'], problems.join('\n'));
      assert.match(problems[0]!, /^ADMIN_API_KEY: must differ from API_KEY .*when NODE_ENV=production$/);
      assert.match(problems[1]!, /^API_KEY: expected at least 8 different characters/);
      assert.match(problems[2]!, /^JWT_SECRET: expected at least 8 different characters/);
      assert.match(problems[3]!, /^BUFFALO_SECRET_KEY: expected 32 random bytes, got a repeating pattern/);
      for (const line of problems) assert.ok(!line.includes('aaaa') && !line.includes(env.BUFFALO_SECRET_KEY), `no value in ${line}`);
    });

    it('refuses an admin key equal to the API key even when both are strong', () => {
      assert.deepEqual(problemsOf({ ...GOOD, ADMIN_API_KEY: GOOD.API_KEY }).map((p) => p.split(':')[0]), ['ADMIN_API_KEY']);
      assert.deepEqual(problemsOf({ ...GOOD, API_KEY: GOOD.JWT_SECRET }).map((p) => p.split(':')[0]), ['JWT_SECRET']);
    });

    it('refuses each key or secret with fewer than 8 different characters; 8 are enough', () => {
      const few = { API_KEY: 'abababababababab', ADMIN_API_KEY: 'passwordpassword', JWT_SECRET: 'changeme'.repeat(4) };
      const problems = problemsOf({ ...GOOD, ...few });
      assert.deepEqual(problems.map((p) => p.split(':')[0]), ['API_KEY', 'ADMIN_API_KEY', 'JWT_SECRET']);
      for (const line of problems) assert.match(line, /expected at least 8 different characters/);
      assert.equal(resolveConfig({ ...GOOD, API_KEY: 'abcdefghabcdefgh' }).auth.apiKey, 'abcdefghabcdefgh');
    });

    it('refuses a BUFFALO_SECRET_KEY of one repeated byte or a short repeating pattern, in hex or base64', () => {
      for (const key of [Buffer.alloc(32).toString('hex'), Buffer.alloc(32, 0x5e).toString('base64'), 'be0c'.repeat(16), Buffer.from(Array.from({ length: 32 }, (_, i) => i % 15)).toString('base64url')]) {
        const problems = problemsOf({ ...GOOD, BUFFALO_SECRET_KEY: key });
        assert.equal(problems.length, 1, key);
        assert.match(problems[0]!, /^BUFFALO_SECRET_KEY: expected 32 random bytes, got a repeating pattern \(fewer than 16 different byte values/);
      }
    });

    it('development and test keep accepting the same values', () => {
      for (const NODE_ENV of ['development', 'test']) {
        const c = resolveConfig({ NODE_ENV, API_KEY: 'a'.repeat(16), ADMIN_API_KEY: 'a'.repeat(16), JWT_SECRET: 'a'.repeat(32), BUFFALO_SECRET_KEY: Buffer.alloc(32).toString('base64') });
        assert.equal(c.auth.adminApiKey, 'a'.repeat(16));
      }
    });
  });

  it('BUFFALO_SECRET_KEY takes 32 bytes as hex or base64 (normalized to base64url); anything else names the variable, never the value', () => {
    const bytes = Buffer.alloc(32, 7);
    for (const text of [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]) {
      assert.equal(resolveConfig({ BUFFALO_SECRET_KEY: text }).secrets.key, bytes.toString('base64url'), text);
    }
    for (const bad of ['tooshort', Buffer.alloc(16).toString('base64'), 'zz'.repeat(32), Buffer.alloc(33).toString('hex')]) {
      const [line] = problemsOf({ BUFFALO_SECRET_KEY: bad });
      assert.match(line ?? '', /^BUFFALO_SECRET_KEY: expected 32 random bytes as base64 or hex/, bad);
      assert.ok(!line?.includes(bad), 'the value is not echoed');
    }
    const retired = resolveConfig({ BUFFALO_SECRET_KEYS_RETIRED: `${Buffer.alloc(32, 1).toString('hex')}, ${Buffer.alloc(32, 2).toString('base64')}` }).secrets.retiredKeys;
    assert.deepEqual(retired, [Buffer.alloc(32, 1).toString('base64url'), Buffer.alloc(32, 2).toString('base64url')]);
    assert.match(problemsOf({ BUFFALO_SECRET_KEYS_RETIRED: `${Buffer.alloc(32, 1).toString('hex')},nope` })[0] ?? '', /^BUFFALO_SECRET_KEYS_RETIRED: key 2: expected 32 random bytes/);
  });
});
