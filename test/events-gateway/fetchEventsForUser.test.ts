import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createInFlightMap, EventFetchFailedError, fetchEventsForUser, type Event } from '../../src/events-gateway/index.ts';

// A controllable fetcher: every call waits until the test releases it.
function gatedFetcher() {
  const started: string[] = [];
  const gates = new Map<string, { resolve(e: Event): void; reject(err: Error): void }>();
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    started,
    maxInFlight: () => maxInFlight,
    fetch(id: string): Promise<Event> {
      started.push(id);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise<Event>((resolve, reject) => gates.set(id, { resolve, reject })).finally(() => inFlight--);
    },
    ok: (id: string) => gates.get(id)?.resolve({ id, name: `Event ${id}`, userId: 'u' }),
    fail: (id: string) => gates.get(id)?.reject(new Error(`boom ${id}`)),
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('fetchEventsForUser', () => {
  it('runs at most `concurrency` fetches at once and returns events in the user’s order', async () => {
    const f = gatedFetcher();
    const ids = Array.from({ length: 10 }, (_, i) => `e${i}`);
    const done = fetchEventsForUser(ids, f.fetch, { concurrency: 3 });
    for (let round = 0; round < 10; round++) {
      await tick();
      for (const id of [...f.started]) f.ok(id);
    }
    const events = await done;
    assert.deepEqual(events.map((e) => e.id), ids);
    assert.equal(f.maxInFlight(), 3);
  });

  it('fetches a repeated id once and repeats it in the answer', async () => {
    const f = gatedFetcher();
    const done = fetchEventsForUser(['a', 'b', 'a', 'a'], f.fetch, { concurrency: 8 });
    await tick();
    f.ok('a');
    f.ok('b');
    assert.deepEqual((await done).map((e) => e.id), ['a', 'b', 'a', 'a']);
    assert.deepEqual(f.started, ['a', 'b']);
  });

  it('fails fast naming the failed id, and drops queued fetches without calling them', async () => {
    const f = gatedFetcher();
    const done = fetchEventsForUser(['a', 'b', 'c', 'd'], f.fetch, { concurrency: 2 });
    await tick();
    assert.deepEqual(f.started, ['a', 'b']);
    f.fail('b');
    const err = await done.catch((e: unknown) => e);
    assert.ok(err instanceof EventFetchFailedError);
    assert.deepEqual(err.failedIds, ['b']);
    f.ok('a');
    await tick();
    assert.deepEqual(f.started, ['a', 'b'], 'c and d were never fetched');
  });
});

describe('createInFlightMap', () => {
  it('shares one call per key while it is in flight, and forgets it once settled', async () => {
    const map = createInFlightMap<string, number>();
    let calls = 0;
    let release!: (n: number) => void;
    const call = () => {
      calls++;
      return new Promise<number>((r) => (release = r));
    };
    const first = map.run('k', call);
    const second = map.run('k', call);
    assert.equal(first, second);
    assert.equal(calls, 1);
    release(7);
    assert.deepEqual(await Promise.all([first, second]), [7, 7]);
    assert.equal(map.size(), 0);
    const third = map.run('k', call);
    assert.equal(calls, 2, 'a settled call is not cached');
    release(8);
    assert.equal(await third, 8);
  });

  it('shares failures too and removes the entry on rejection', async () => {
    const map = createInFlightMap<string, number>();
    const a = map.run('k', async () => {
      throw new Error('down');
    });
    const b = map.run('k', async () => 1);
    await assert.rejects(a, /down/);
    await assert.rejects(b, /down/);
    assert.equal(map.size(), 0);
    assert.equal(await map.run('k', async () => 2), 2);
  });
});
