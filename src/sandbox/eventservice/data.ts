/**
 * Seeded users and events of the event-service simulator (the wire shapes of docs/upstreams.md#event-service). Pure: the same
 * random source yields the same data. One user has exactly 50 events, for the fan-out bench.
 */

/** A user as the event service serves it. */
export interface EsUser {
  id: string;
  name: string;
  events: string[];
}

/** An event as the event service serves it. */
export interface EsEvent {
  id: string;
  name: string;
  userId: string;
}

/** The user whose event list is exactly `FANOUT_EVENT_COUNT` long. */
export const FANOUT_USER_ID = '1';
/** Events held by `FANOUT_USER_ID`. */
export const FANOUT_EVENT_COUNT = 50;

const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis', 'Radia', 'Edsger'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Liskov', 'Thompson', 'Hamilton', 'Ritchie', 'Perlman', 'Dijkstra'];
const KINDS = ['Team Meeting', 'Standup', 'Retro', 'Planning', 'Demo', 'Offsite', 'Workshop', '1:1', 'Review', 'Launch'];

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** A new event's display name. */
export function eventName(rng: () => number, n: number): string {
  return `${pick(rng, KINDS)} #${n}`;
}

/**
 * `userCount` users (ids "1".."userCount"): user 1 holds 50 events, the others 0–10 each.
 * Event ids are "event-1", "event-2", … in creation order.
 */
export function generateUsersAndEvents(rng: () => number, userCount: number): { users: EsUser[]; events: EsEvent[] } {
  const users: EsUser[] = [];
  const events: EsEvent[] = [];
  for (let u = 1; u <= Math.max(1, userCount); u++) {
    const user: EsUser = { id: String(u), name: `${pick(rng, FIRST)} ${pick(rng, LAST)}`, events: [] };
    const count = user.id === FANOUT_USER_ID ? FANOUT_EVENT_COUNT : Math.floor(rng() * 11);
    for (let i = 0; i < count; i++) {
      const ev: EsEvent = { id: `event-${events.length + 1}`, name: eventName(rng, events.length + 1), userId: user.id };
      events.push(ev);
      user.events.push(ev.id);
    }
    users.push(user);
  }
  return { users, events };
}

/**
 * The original service's write cycle: `ok` calls succeed, the next `fail` calls answer 503, repeating.
 * `n` is the 1-based number of the write; `fail` 0 disables failures.
 */
export function writeSucceeds(n: number, ok: number, fail: number): boolean {
  if (fail <= 0) return true;
  return (n - 1) % (ok + fail) < ok;
}
