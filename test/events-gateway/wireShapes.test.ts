import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { wireUser } from '../../src/events-gateway/eventSchemas.ts';

describe('event-service wire shapes', () => {
  it('a user is read with `name` or, as the public mock of the service serves it, `userName` (numeric id, extra email)', () => {
    assert.deepEqual(wireUser.parse({ id: '7', name: 'Ada', events: ['event-1'] }), { id: '7', name: 'Ada', events: ['event-1'] });
    assert.deepEqual(wireUser.parse({ userName: 'user1', id: 1, email: 'hello@example.test', events: ['event-1', 'event-3'] }), { id: '1', name: 'user1', events: ['event-1', 'event-3'] });
    assert.equal(wireUser.safeParse({ id: 1, events: [] }).success, false);
  });
});
