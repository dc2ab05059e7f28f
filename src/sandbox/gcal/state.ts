/**
 * The Google Calendar simulator's world: one calendar of events seeded over the past 90 days,
 * then created, updated (moved, renamed, tentative ↔ confirmed) and cancelled (deleted) as
 * simulated time passes. Every change bumps a global version that sync tokens compare against.
 */
import { createActivityTicker, createRng, type Rng } from '../common/index.ts';
import { makeEvent, type GEvent } from './data.ts';

const MIN = 60_000;
const DAY = 86_400_000;

/** Activity per simulated hour. */
export interface GcalRates {
  creates: number;
  updates: number;
  cancels: number;
}

const DEFAULT_RATES: GcalRates = { creates: 10, updates: 15, cancels: 3 };

/** Ground truth of the calendar simulator. */
export interface GcalTruth {
  calendarId: string;
  events: Array<{ id: string; status: GEvent['status']; updated: string; created: string; summary: string; start: string; recurring: boolean; poison: string | null }>;
  /** Sync tokens issued before this epoch are expired. */
  syncTokenEpoch: number;
}

/** The calendar world. */
export interface GcalState {
  /** Events in creation order. */
  events: GEvent[];
  get(id: string): GEvent | undefined;
  /** Current change watermark. */
  version(): number;
  catchUp(nowMs: number): { created: number; updated: number; cancelled: number };
  /** Record a change made to `ev` through the API at `at` (new version, `updated`). */
  touch(ev: GEvent, at: number): void;
  /** Delete `ev` at `at` through the API: it becomes `cancelled`. */
  cancel(ev: GEvent, at: number): void;
  truth(calendarId: string, epoch: number): GcalTruth;
}

/** Seed and return the calendar world with `records` events. */
export function createGcalState(opts: { seed: number; records: number; poisonRate: () => number; now: number; rates?: Partial<GcalRates> }): GcalState {
  const rng = createRng(opts.seed).fork('gcal');
  const rates = { ...DEFAULT_RATES, ...opts.rates };
  const events: GEvent[] = [];
  const byId = new Map<string, GEvent>();
  let version = 0;
  let counts = { created: 0, updated: 0, cancelled: 0 };

  const create = (at: number) => {
    const ev = makeEvent(rng, events.length, at, opts.poisonRate());
    ev.version = ++version;
    events.push(ev);
    byId.set(ev.id, ev);
    counts.created++;
    return ev;
  };
  const update = (ev: GEvent, at: number) => {
    applyUpdate(rng, ev);
    ev.version = ++version;
    ev.updated = at;
    counts.updated++;
  };
  const cancel = (ev: GEvent, at: number) => {
    ev.status = 'cancelled';
    ev.version = ++version;
    ev.updated = at;
    counts.cancelled++;
  };
  const randomLive = (): GEvent | undefined => {
    for (let tries = 0; tries < 5 && events.length > 0; tries++) {
      const ev = rng.pick(events);
      if (ev.status !== 'cancelled') return ev;
    }
    return undefined;
  };

  // Seed: events created over the past 90 days; some changed or deleted since (in time order,
  // so versions follow the order of `updated`).
  const t0 = opts.now;
  const times = Array.from({ length: opts.records }, () => t0 - rng.int(1, 90 * DAY)).sort((a, b) => a - b);
  const later: Array<{ at: number; ev: GEvent; cancel: boolean }> = [];
  for (const at of times) {
    const ev = create(at);
    if (rng.chance(0.4)) later.push({ at: rng.int(at, t0 - 1), ev, cancel: rng.chance(0.12) });
  }
  for (const { at, ev, cancel: c } of later.sort((a, b) => a.at - b.at)) (c ? cancel : update)(ev, at);

  const ticker = createActivityTicker(t0, MIN, (at) => {
    if (rng.chance(rates.creates / 60)) create(at);
    if (rng.chance(rates.updates / 60)) {
      const ev = randomLive();
      if (ev) update(ev, at);
    }
    if (rng.chance(rates.cancels / 60)) {
      const ev = randomLive();
      if (ev) cancel(ev, at);
    }
  });

  return {
    events,
    get: (id) => byId.get(id),
    version: () => version,
    catchUp(nowMs) {
      counts = { created: 0, updated: 0, cancelled: 0 };
      ticker.catchUp(nowMs);
      return counts;
    },
    touch(ev, at) {
      ev.version = ++version;
      ev.updated = Math.max(ev.updated, at);
    },
    cancel,
    truth: (calendarId, epoch) => ({
      calendarId,
      events: events.map((e) => ({
        id: e.id,
        status: e.status,
        updated: new Date(e.updated).toISOString(),
        created: new Date(e.created).toISOString(),
        summary: e.summary,
        start: new Date(e.startMs).toISOString(),
        recurring: Boolean(e.weeklyCount),
        poison: e.poison ?? null,
      })),
      syncTokenEpoch: epoch,
    }),
  };
}

/** One realistic edit: reschedule, rename, relocate or flip tentative/confirmed. */
function applyUpdate(rng: Rng, ev: GEvent): void {
  const what = rng.pick(['reschedule', 'rename', 'relocate', 'status'] as const);
  if (what === 'reschedule') {
    ev.startMs += ev.allDay ? rng.pick([-1, 1, 2]) * DAY : rng.pick([-2, -1, 1, 2, 24]) * 3_600_000;
    ev.sequence++;
  } else if (what === 'rename') ev.summary = `${ev.summary.replace(/ \(moved\)$/, '')} (moved)`;
  else if (what === 'relocate') ev.location = rng.pick(['Room Bison', 'Room Prairie', 'Zoom', 'Google Meet']);
  else ev.status = ev.status === 'tentative' ? 'confirmed' : 'tentative';
}
