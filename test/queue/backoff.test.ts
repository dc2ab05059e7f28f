import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { backoffMs, isPermanentError, PermanentError, describeError } from '../../src/queue/index.ts';

describe('queue backoff and error classification (pure)', () => {
  it('backoff is exponential with full jitter: uniform in [0, min(max, base·2^(n-1))]', () => {
    const opts = { baseMs: 100, maxMs: 5000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, opts, () => 1)), [100, 200, 400, 800, 1600, 3200, 5000]);
    assert.equal(backoffMs(3, opts, () => 0), 0);
    assert.equal(backoffMs(3, opts, () => 0.5), 200);
    assert.equal(backoffMs(10_000, opts, () => 1), 5000, 'huge attempt counts stay at the cap');
    for (let i = 0; i < 1000; i++) {
      const d = backoffMs(4, opts);
      assert.ok(d >= 0 && d <= 800, `jittered delay ${d} within [0, 800]`);
    }
  });

  it('PermanentError, permanent:true, ZodError and data SQL errors are permanent; others transient', () => {
    let zodError: unknown;
    try {
      z.object({ amount: z.number() }).parse({ amount: '12' });
    } catch (e) {
      zodError = e;
    }
    assert.equal(isPermanentError(new PermanentError('bad')), true);
    assert.equal(isPermanentError(Object.assign(new Error('x'), { permanent: true })), true);
    assert.equal(isPermanentError(zodError), true);
    assert.equal(isPermanentError(new Error('wrapped', { cause: zodError })), true);
    assert.equal(isPermanentError(Object.assign(new Error('invalid input syntax for type integer'), { code: '22P02' })), true);
    assert.equal(isPermanentError(Object.assign(new Error('deadlock'), { code: '40P01' })), false);
    assert.equal(isPermanentError(Object.assign(new Error('opted out'), { permanent: false, cause: new PermanentError('inner') })), false);
    assert.equal(isPermanentError(new Error('ECONNRESET')), false);
    assert.equal(isPermanentError('a string'), false);
  });

  it('describeError keeps the exact message, the name, a stack head and zod issues', () => {
    const rec = describeError(new PermanentError('amount "1,5" is not a decimal'));
    assert.equal(rec.message, 'amount "1,5" is not a decimal');
    assert.equal(rec.name, 'PermanentError');
    assert.ok(rec.stack?.startsWith('PermanentError: amount'));
    assert.ok((rec.stack?.split('\n').length ?? 0) <= 12);
    const parsed = z.object({ a: z.string() }).safeParse({ a: 1 });
    assert.equal(parsed.success, false);
    const zrec = describeError(parsed.error);
    assert.equal(zrec.name, 'ZodError');
    assert.deepEqual((zrec.details as { issues: Array<{ path: string[] }> }).issues[0]?.path, ['a']);
    assert.equal(describeError('boom').message, 'boom');
    assert.equal(describeError(new Error('nul\u0000byte')).message, 'nul\\u0000byte', 'NUL cannot be stored in text; escaped');
  });
});
