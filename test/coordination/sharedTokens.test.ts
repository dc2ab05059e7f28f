import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createSharedTokenProvider, sharedTokenProviderFactory } from '../../src/coordination/index.ts';
import type { Pool } from '../../src/db/index.ts';
import { createManualClock, createPolicy, newCallStats, requestJson } from '../../src/resilience/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { drive, inFlight, reply, settings, startServer } from '../resilience/helpers.ts';
import { otherProcessPool, testSealer } from './helpers.ts';

const db = useTestDb();
let other: Pool;

let n = 0;
const freshKey = () => `connection:tok-${++n}`;
const sealer = testSealer();

/** An upstream token endpoint that counts its calls and takes `delayMs` (real time) to answer. */
function tokenEndpoint(delayMs = 50, expiresInMs = 3_600_000) {
  let calls = 0;
  return {
    calls: () => calls,
    fetch: async () => {
      calls++;
      const token = `secret-access-token-${calls}-${Math.random().toString(36).slice(2)}`;
      await new Promise((r) => setTimeout(r, delayMs));
      return { token, expiresInMs };
    },
  };
}

describe('shared token refresh (PostgreSQL)', () => {
  // In the suite, not at the top level: there the database's before() would not have finished.
  before(() => {
    other = otherProcessPool(db.url);
    db.onClose(() => other.end());
  });

  it('N concurrent callers in two processes: exactly one refresh, everyone gets the same token', async () => {
    const key = freshKey();
    const upstream = tokenEndpoint(100);
    const providers = [db.pool, other, db.pool, other].map((pool) => createSharedTokenProvider(pool, key, upstream.fetch, { sealer }));
    const tokens = await Promise.all(Array.from({ length: 24 }, (_, i) => providers[i % providers.length]!.getToken()));
    assert.equal(upstream.calls(), 1);
    assert.equal(new Set(tokens).size, 1);
    assert.equal(providers.reduce((sum, p) => sum + p.refreshes(), 0), 1, 'the one fetch is counted by the provider that made it');
  });

  it('the stored token is sealed: no column holds it in clear, and it opens to the token', async () => {
    const key = freshKey();
    const upstream = tokenEndpoint(0);
    const token = await createSharedTokenProvider(db.pool, key, upstream.fetch, { sealer }).getToken();
    const { rows } = await db.pool.query<{ row: string; token_sealed: string }>('SELECT t::text AS row, token_sealed FROM shared_tokens t WHERE key = $1', [key]);
    assert.equal(rows.length, 1);
    assert.ok(!rows[0]!.row.includes(token), 'the token is not in the row');
    assert.ok(!rows[0]!.row.includes('secret-access-token'), 'nor any part of it');
    assert.equal(sealer.open(rows[0]!.token_sealed), token);
    // Sealed with a key this process does not hold: unreadable, so refreshed instead of used.
    const stranger = createSharedTokenProvider(other, key, upstream.fetch, { sealer: testSealer() });
    assert.notEqual(await stranger.getToken(), token);
    assert.equal(upstream.calls(), 2);
  });

  it('a process starting later reads the stored token instead of refreshing; when it is due, one process refreshes for all', async () => {
    const clock = createManualClock();
    const key = freshKey();
    const upstream = tokenEndpoint(20, 600_000);
    const a = createSharedTokenProvider(db.pool, key, upstream.fetch, { sealer, clock, refreshBeforeMs: 60_000 });
    const first = await a.getToken();
    const b = createSharedTokenProvider(other, key, upstream.fetch, { sealer, clock, refreshBeforeMs: 60_000 });
    assert.equal(await b.getToken(), first);
    assert.equal(upstream.calls(), 1);
    await clock.advance(540_000); // refresh 60 s before the 10 min expiry
    const [x, y] = await Promise.all([a.getToken(), b.getToken()]);
    assert.equal(x, y);
    assert.notEqual(x, first);
    assert.equal(upstream.calls(), 2);
  });

  it('a 401 "expired" in one process: one refresh; the other process, rejected with the same old token, takes the new one', async () => {
    const key = freshKey();
    const upstream = tokenEndpoint(10);
    const a = createSharedTokenProvider(db.pool, key, upstream.fetch, { sealer });
    const b = createSharedTokenProvider(other, key, upstream.fetch, { sealer });
    const old = await a.getToken();
    assert.equal(await b.getToken(), old);
    a.invalidate(old);
    const fresh = await a.getToken();
    assert.notEqual(fresh, old);
    b.invalidate(old);
    assert.equal(await b.getToken(), fresh);
    b.invalidate('a token nobody has');
    assert.equal(await b.getToken(), fresh);
    assert.equal(upstream.calls(), 2);
  });

  it('a failed refresh releases the lock: the next caller refreshes', async () => {
    const key = freshKey();
    let calls = 0;
    const flaky = async () => {
      if (++calls === 1) throw new Error('token endpoint down');
      return { token: `tok-${calls}`, expiresInMs: 3_600_000 };
    };
    const a = createSharedTokenProvider(db.pool, key, flaky, { sealer });
    const b = createSharedTokenProvider(other, key, flaky, { sealer });
    await assert.rejects(a.getToken(), /token endpoint down/);
    assert.equal(await b.getToken(), 'tok-2');
    assert.equal(await a.getToken(), 'tok-2');
  });

  it('fits requestJson as a TokenProvider: after a 401 "expired" in two processes, one refresh serves both retries', async () => {
    const clock = createManualClock();
    let valid = '';
    const srv = await startServer(clock, (req, res) =>
      req.headers.authorization === `Bearer ${valid}` ? reply(res, 200, { ok: true }) : reply(res, 401, { error: 'Token expired' }),
    );
    try {
      const key = freshKey();
      let fetched = 0;
      const login = async () => ({ token: (valid = `tok-${++fetched}`), expiresInMs: 3_600_000 });
      // The drop-in for createTokenProvider, as a connector would call it.
      const [a, b] = [db.pool, other].map((pool) => sharedTokenProviderFactory(pool, key, sealer)(login, { clock, refreshBeforeMs: 60_000 }));
      const policy = createPolicy('shared-token-upstream', settings(), { clock });
      assert.equal(await a!.getToken(), 'tok-1');
      assert.equal(await b!.getToken(), 'tok-1');
      valid = 'nothing'; // the upstream expired tok-1
      const stats = newCallStats();
      const both = Promise.all([a, b, a, b].map((token) => requestJson(policy, { url: srv.url, token: token! }, { stats })));
      const answers = await drive(clock, both, { busyWhile: inFlight });
      assert.deepEqual(answers.map((r) => r.body), Array(4).fill({ ok: true }));
      assert.equal(fetched, 2, 'the login and one refresh, for both processes');
      assert.deepEqual(new Set(srv.requests.slice(4).map((r) => r.headers.authorization)), new Set(['Bearer tok-2']));
    } finally {
      await srv.close();
    }
  });
});
