/**
 * The event-service simulator's world: seeded users and events, events added through
 * `POST /addEvent`, the position in the write cycle (as the original: 5 succeed, 10 fail, repeating)
 * and per-event read counts (tests assert de-duplication from them).
 */
import { createRng } from '../common/index.ts';
import { FANOUT_USER_ID, generateUsersAndEvents, writeSucceeds, type EsEvent, type EsUser } from './data.ts';
import { createIdempotentWrites, type IdempotentWrites } from './idempotentWrites.ts';

/** Ground truth served at `GET /__sandbox/truth`. */
export interface EventServiceTruth {
  users: EsUser[];
  events: EsEvent[];
  /** The user with exactly 50 events (fan-out bench). */
  fanoutUserId: string;
  /** `POST /addEvent` calls that reached the service, and how they ended (`replayed`: answered from an Idempotency-Key). */
  writes: { calls: number; succeeded: number; failed: number; replayed: number };
}

/** Mutable event-service state. */
export interface EventServiceState {
  users(): EsUser[];
  user(id: string): EsUser | undefined;
  events(): EsEvent[];
  event(id: string): EsEvent | undefined;
  /** Count a read of event `id`. */
  recordRead(id: string): void;
  /** Reads per event id since the last reset. */
  reads(): Record<string, number>;
  resetReads(): void;
  /** Take the next slot of the write cycle: true when this write may succeed. */
  nextWriteSlot(cycle: { on: boolean; ok: number; fail: number }): boolean;
  /** Start the write cycle over (the next write is the first of the successful run). */
  resetWriteCycle(): void;
  /** Add an event for an existing user. */
  addEvent(name: string, userId: string): EsEvent | undefined;
  recordWriteFailure(): void;
  /** Idempotency-Keys of writes (kept with the world: a new world forgets them). */
  keys: IdempotentWrites;
  truth(): EventServiceTruth;
}

/** A state seeded with `userCount` users. */
export function createEventServiceState(opts: { seed: number; userCount: number; now?: () => number }): EventServiceState {
  const seeded = generateUsersAndEvents(createRng(opts.seed).fork('eventservice').next, opts.userCount);
  const users = new Map(seeded.users.map((u) => [u.id, u]));
  const events = new Map(seeded.events.map((e) => [e.id, e]));
  let reads = new Map<string, number>();
  let cyclePos = 0;
  const writes = { calls: 0, succeeded: 0, failed: 0 };
  const keys = createIdempotentWrites(opts.now ?? Date.now);

  return {
    users: () => [...users.values()],
    user: (id) => users.get(id),
    events: () => [...events.values()],
    event: (id) => events.get(id),
    recordRead(id) {
      reads.set(id, (reads.get(id) ?? 0) + 1);
    },
    reads: () => Object.fromEntries(reads),
    resetReads() {
      reads = new Map();
    },
    nextWriteSlot(cycle) {
      writes.calls++;
      cyclePos++;
      return !cycle.on || writeSucceeds(cyclePos, cycle.ok, cycle.fail);
    },
    resetWriteCycle() {
      cyclePos = 0;
    },
    addEvent(name, userId) {
      const user = users.get(userId);
      if (!user) return undefined;
      const ev: EsEvent = { id: `event-${events.size + 1}`, name, userId };
      events.set(ev.id, ev);
      user.events.push(ev.id);
      writes.succeeded++;
      return ev;
    },
    recordWriteFailure() {
      writes.failed++;
    },
    keys,
    truth: () => ({ users: [...users.values()], events: [...events.values()], fanoutUserId: FANOUT_USER_ID, writes: { ...writes, replayed: keys.replays() } }),
  };
}
