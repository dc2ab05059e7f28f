import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { claimKey } from '../../src/http/claimKeys.ts';
import { useTestDb } from '../helpers/testResources.ts';

describe('claimKey: concurrent Idempotency-Key claims share statements, each decided as if alone', () => {
  const db = useTestDb();

  const claim = (key: string, fingerprint = 'f1', scope = 'carol:POST:/api/orders') => claimKey(db.pool, { scope, key, fingerprint, leaseMs: 60_000 });

  it('fifty different keys claimed at once: every one wins, with its own token', async () => {
    const won = await Promise.all(Array.from({ length: 50 }, (_, i) => claim(`distinct-${i}`)));
    assert.ok(won.every((w) => w !== null));
    assert.equal(new Set(won.map((w) => w?.token)).size, 50);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM idempotency_keys WHERE key LIKE 'distinct-%' AND status = 'in_flight'");
    assert.equal(rows[0]?.n, 50);
  });

  it('one key claimed by thirty requests at once (mixed with others): exactly one wins it', async () => {
    const same = Array.from({ length: 30 }, () => claim('contested'));
    const others = Array.from({ length: 10 }, (_, i) => claim(`bystander-${i}`));
    const [sameWon, othersWon] = await Promise.all([Promise.all(same), Promise.all(others)]);
    assert.equal(sameWon.filter((w) => w !== null).length, 1);
    assert.equal(othersWon.filter((w) => w !== null).length, 10);
  });

  it('the same key under another caller is another key', async () => {
    const [a, b] = await Promise.all([claim('shared', 'f1', 'alice:POST:/api/orders'), claim('shared', 'f1', 'bob:POST:/api/orders')]);
    assert.ok(a && b && a.token !== b.token);
  });

  it('an abandoned claim (lease over) is taken over by the same request and keeps its effect key', async () => {
    const first = await claimKey(db.pool, { scope: 's', key: 'abandoned', fingerprint: 'f1', leaseMs: 1 });
    await db.pool.query("UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = 'abandoned'");
    const [other, again] = await Promise.all([claim('abandoned', 'different request', 's'), claim('abandoned', 'f1', 's')]);
    assert.equal(other, null, 'a different request cannot take it over');
    assert.ok(first && again);
    assert.notEqual(again.token, first.token, 'a fresh fencing token');
    assert.equal(again.effectKey, first.effectKey, 'the same effect towards upstreams');
  });

  it('a claim the database refuses fails alone; the claims sent with it are decided', async () => {
    const results = await Promise.allSettled([claim('fine-1'), claim('bad\u0000key'), claim('fine-2')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.ok((results[0] as PromiseFulfilledResult<unknown>).value && (results[2] as PromiseFulfilledResult<unknown>).value);
  });
});
