import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RESTARTS, planListing } from '../../src/connectors/adplatform/planListing.ts';

describe('adplatform listing plan (pure)', () => {
  it('without a total, has_more decides (and an empty page ends it)', () => {
    assert.deepEqual(planListing({ page: 1, limit: 10, restarts: 0 }, 10, { has_more: true }).next, { page: 2, limit: 10, restarts: 0 });
    assert.equal(planListing({ page: 2, limit: 10, restarts: 0 }, 10, { has_more: false }).next, null);
    assert.equal(planListing({ page: 2, limit: 10, restarts: 0 }, 0, { has_more: true }).next, null);
  });

  it('a short page without a reported limit proves a cap', () => {
    const step = planListing({ page: 1, limit: 100, restarts: 0 }, 25, { total: 60, has_more: true });
    assert.deepEqual([step.keep, step.next], [25, { page: 2, limit: 25, total: 60, restarts: 0 }]);
  });

  it('a total that keeps changing restarts the listing at most MAX_RESTARTS times, then goes on', () => {
    let at = { page: 2, limit: 10, total: 50, restarts: 0 };
    for (let i = 0; i < MAX_RESTARTS; i++) {
      const step = planListing(at, 10, { total: at.total + 1, limit: 10, has_more: true });
      assert.equal(step.keep, 0);
      assert.deepEqual(step.next, { page: 1, limit: 10, total: at.total + 1, restarts: i + 1 });
      at = { ...step.next!, page: 2 };
    }
    const last = planListing(at, 10, { total: at.total + 1, limit: 10, has_more: true });
    assert.deepEqual([last.keep, last.next?.page], [10, 3]);
    assert.match(last.notes.join(' '), /kept changing/);
  });

  it('a listing is settled (what it did not list is gone) only when it reached a total that stayed put', () => {
    assert.equal(planListing({ page: 1, limit: 10, restarts: 0 }, 10, { total: 25, limit: 10 }).settled, undefined, 'not complete yet');
    assert.equal(planListing({ page: 3, limit: 10, total: 25, restarts: 0 }, 5, { total: 25, limit: 10 }).settled, true);
    assert.equal(planListing({ page: 3, limit: 10, total: 25, restarts: 2 }, 5, { total: 25, limit: 10 }).settled, true, 'restarted, then stable');
    assert.equal(planListing({ page: 2, limit: 10, restarts: 0 }, 10, { has_more: false }).settled, undefined, 'no total: has_more alone proves nothing');
    // The total changed past the last restart: pages may have shifted, so the listing never settles.
    const drifted = planListing({ page: 2, limit: 10, total: 25, restarts: MAX_RESTARTS }, 10, { total: 26, limit: 10 });
    assert.equal(drifted.next?.unsettled, true);
    assert.equal(planListing(drifted.next!, 6, { total: 26, limit: 10 }).settled, false);
  });

  it('a total of 0 keeps nothing and stops', () => {
    const step = planListing({ page: 1, limit: 100, restarts: 0 }, 100, { total: 0, limit: 100, has_more: true });
    assert.deepEqual([step.keep, step.next], [0, null]);
  });
});
