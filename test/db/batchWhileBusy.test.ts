import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchWhileBusy, type BatchOutcome } from '../../src/db/index.ts';

// A runBatch whose batches finish only when the test says so, recording what each batch held.
function controlledBatches() {
  const batches: number[][] = [];
  const finish: Array<() => void> = [];
  const run = (items: number[]) =>
    new Promise<BatchOutcome<number>>((resolve) => {
      batches.push(items);
      finish.push(() => resolve(items.map((i) => (i < 0 ? { ok: false, error: new Error(`item ${i} refused`) } : { ok: true, value: i * 10 }))));
    });
  return { batches, finish, run };
}

const turn = () => new Promise<void>((r) => setImmediate(r));
// Turns of the event loop until `batches` has `n` entries (a finished batch frees its slot a few
// microtasks after its items resolve, and the next batch leaves on the turn after that).
async function untilBatches(batches: unknown[], n: number): Promise<void> {
  for (let i = 0; i < 20 && batches.length < n; i++) await turn();
}

describe('batchWhileBusy (group commit)', () => {
  it('a lone item leaves at once, alone', async () => {
    const c = controlledBatches();
    const call = batchWhileBusy(c.run);
    const result = call(1);
    await turn();
    assert.deepEqual(c.batches, [[1]]);
    c.finish[0]?.();
    assert.equal(await result, 10);
  });

  it('items arriving while every slot is busy leave together as the next batch, each with its own result', async () => {
    const c = controlledBatches();
    const call = batchWhileBusy(c.run, { maxInFlight: 1 });
    const first = call(1);
    await turn();
    const rest = [2, 3, 4, 5].map((i) => call(i));
    await turn();
    assert.deepEqual(c.batches, [[1]], 'nothing else leaves while the only slot is busy');
    c.finish[0]?.();
    assert.equal(await first, 10);
    await untilBatches(c.batches, 2);
    assert.deepEqual(c.batches, [[1], [2, 3, 4, 5]]);
    c.finish[1]?.();
    assert.deepEqual(await Promise.all(rest), [20, 30, 40, 50]);
  });

  it('one item failing fails only that item', async () => {
    const c = controlledBatches();
    const call = batchWhileBusy(c.run);
    const results = Promise.allSettled([1, -2, 3].map((i) => call(i)));
    await turn();
    c.finish[0]?.();
    const settled = await results;
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /item -2 refused/);
  });

  it('maxBatch bounds a batch; the rest follow in order', async () => {
    const c = controlledBatches();
    const call = batchWhileBusy(c.run, { maxBatch: 2, maxInFlight: 1 });
    const all = [1, 2, 3, 4, 5].map((i) => call(i));
    for (let n = 0; n < 3; n++) {
      await untilBatches(c.batches, n + 1);
      c.finish[n]?.();
    }
    assert.deepEqual(await Promise.all(all), [10, 20, 30, 40, 50]);
    assert.deepEqual(c.batches, [[1, 2], [3, 4], [5]]);
  });

  it('items with the same exclusive key never share a batch', async () => {
    const c = controlledBatches();
    const call = batchWhileBusy(c.run, { maxInFlight: 1, exclusiveKey: (i) => String(i % 2) });
    const all = [1, 3, 2, 5, 4].map((i) => call(i));
    for (let n = 0; n < 3; n++) {
      await untilBatches(c.batches, n + 1);
      c.finish[n]?.();
    }
    await Promise.all(all);
    assert.deepEqual(c.batches, [[1, 2], [3, 4], [5]]);
  });

  it('a runBatch that rejects rejects every item of its batch and later batches still run', async () => {
    let calls = 0;
    const call = batchWhileBusy<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('batch lost');
      return items.map((i) => ({ ok: true, value: i }));
    });
    const first = await Promise.allSettled([call(1), call(2)]);
    assert.deepEqual(
      first.map((s) => s.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await call(3), 3);
  });
});
