/**
 * The HubSpot simulator's world: deals and contacts seeded over the past 90 days, then created,
 * modified (a deal moving to closedwon, an amount corrected, a lifecycle change) and
 * occasionally archived as simulated time passes. Deterministic for a seed and clock sequence.
 */
import { createActivityTicker, createRng, type Rng } from '../common/index.ts';
import { formatAmount, iso, makeContact, makeDeal, OPEN_STAGES, pickLifecycle, touch, type HsRecord, type ObjectType } from './data.ts';

const MIN = 60_000;
const DAY = 86_400_000;

/** Records of one object type, ordered by id. */
export class ObjectStore {
  readonly items: HsRecord[] = [];
  private readonly byId = new Map<string, HsRecord>();
  constructor(readonly type: ObjectType) {}
  add(rec: HsRecord): void {
    this.items.push(rec);
    this.byId.set(rec.id, rec);
  }
  get(id: string): HsRecord | undefined {
    return this.byId.get(id);
  }
  /** Index of the first record with id ≥ `num`. */
  indexFrom(num: number): number {
    let a = 0;
    let b = this.items.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (this.items[m]!.num < num) a = m + 1;
      else b = m;
    }
    return a;
  }
}

/** Activity rates per simulated hour. */
export interface HubspotRates {
  newDeals: number;
  newContacts: number;
  dealUpdates: number;
  contactUpdates: number;
  dealArchives: number;
}

const DEFAULT_RATES: HubspotRates = { newDeals: 20, newContacts: 20, dealUpdates: 30, contactUpdates: 20, dealArchives: 0.5 };

/** Ground truth of the HubSpot simulator. */
export interface HubspotTruth {
  deals: Array<{ id: string; amount: string | null; amountMinor: number | null; currency: string | null; dealstage: string | null; closedate: string | null; createdate: string; hs_lastmodifieddate: string; archived: boolean; poison: string | null }>;
  contacts: Array<{ id: string; email: string | null; lifecyclestage: string | null; createdate: string; lastmodifieddate: string; archived: boolean; poison: string | null }>;
}

/** The HubSpot world. */
export interface HubspotState {
  stores: Record<ObjectType, ObjectStore>;
  catchUp(nowMs: number): { created: number; updated: number; archived: number };
  /** Set validated property values on a live record at `at` (a PATCH): bumps its modified date. */
  write(type: ObjectType, rec: HsRecord, values: Record<string, string | null>, at: number): void;
  /** Archive a live record at `at` (a DELETE). */
  archive(rec: HsRecord, at: number): void;
  truth(): HubspotTruth;
}

/** Seed and return the HubSpot world (`records` deals and `records` contacts). */
export function createHubspotState(opts: { seed: number; records: number; poisonRate: () => number; now: number; rates?: Partial<HubspotRates> }): HubspotState {
  const rng = createRng(opts.seed).fork('hubspot');
  const rates = { ...DEFAULT_RATES, ...opts.rates };
  const stores: Record<ObjectType, ObjectStore> = { deals: new ObjectStore('deals'), contacts: new ObjectStore('contacts') };
  const nextNum: Record<ObjectType, number> = { deals: 15_000_000_000, contacts: 100_000 };
  let counts = { created: 0, updated: 0, archived: 0 };

  // `asOf`: the clock the record is generated at (seeding: now; activity: the tick itself).
  const create = (type: ObjectType, at: number, asOf: number = at) => {
    nextNum[type] += rng.int(1, 40);
    const rec = type === 'deals' ? makeDeal(rng, nextNum[type], at, opts.poisonRate(), asOf) : makeContact(rng, nextNum[type], at, opts.poisonRate());
    stores[type].add(rec);
    counts.created++;
    return rec;
  };

  const update = (type: ObjectType, rec: HsRecord, at: number) => {
    if (type === 'deals') updateDeal(rng, rec, at);
    else rec.props.lifecyclestage = pickLifecycle(rng);
    touch(rec, type, at);
    counts.updated++;
  };

  const archive = (rec: HsRecord, at: number) => {
    rec.archived = true;
    rec.archivedAt = at;
    rec.updatedAt = at;
    counts.archived++;
  };

  const randomLive = (type: ObjectType): HsRecord | undefined => {
    const items = stores[type].items;
    for (let tries = 0; tries < 5 && items.length > 0; tries++) {
      const rec = rng.pick(items);
      if (!rec.archived) return rec;
    }
    return undefined;
  };

  // Seed: records created over the past 90 days; about half modified since, 1 % archived.
  const t0 = opts.now;
  for (const type of ['deals', 'contacts'] as const) {
    const times = Array.from({ length: opts.records }, () => t0 - rng.int(1, 90 * DAY)).sort((a, b) => a - b);
    for (const at of times) {
      const rec = create(type, at, t0);
      if (rng.chance(0.5)) update(type, rec, rng.int(at, t0 - 1));
      if (type === 'deals' && rng.chance(0.01)) {
        rec.archived = true;
        rec.archivedAt = rec.updatedAt;
      }
    }
  }
  counts = { created: 0, updated: 0, archived: 0 };

  const ticker = createActivityTicker(t0, MIN, (at) => {
    if (rng.chance(rates.newDeals / 60)) create('deals', at);
    if (rng.chance(rates.newContacts / 60)) create('contacts', at);
    if (rng.chance(rates.dealUpdates / 60)) {
      const rec = randomLive('deals');
      if (rec) update('deals', rec, at);
    }
    if (rng.chance(rates.contactUpdates / 60)) {
      const rec = randomLive('contacts');
      if (rec) update('contacts', rec, at);
    }
    if (rng.chance(rates.dealArchives / 60)) {
      const rec = randomLive('deals');
      if (rec) archive(rec, at);
    }
  });

  return {
    stores,
    catchUp(nowMs) {
      counts = { created: 0, updated: 0, archived: 0 };
      ticker.catchUp(nowMs);
      return counts;
    },
    write(type, rec, values, at) {
      Object.assign(rec.props, values);
      if (type === 'deals' && 'amount' in values) setAmount(rec, values.amount ?? null);
      // A value written through the API is valid, so the record is no longer malformed there.
      if (rec.poison && POISON_PROP[rec.poison] !== undefined && POISON_PROP[rec.poison]! in values) delete rec.poison;
      touch(rec, type, at);
    },
    archive,
    truth: () => ({
      deals: stores.deals.items.map((r) => ({
        id: r.id,
        amount: r.props.amount ?? null,
        amountMinor: r.amountMinor ?? null,
        currency: r.props.deal_currency_code ?? null,
        dealstage: r.props.dealstage ?? null,
        closedate: r.props.closedate ?? null,
        createdate: iso(r.createdAt),
        hs_lastmodifieddate: iso(r.updatedAt),
        archived: r.archived,
        poison: r.poison ?? null,
      })),
      contacts: stores.contacts.items.map((r) => ({
        id: r.id,
        email: r.props.email ?? null,
        lifecyclestage: r.props.lifecyclestage ?? null,
        createdate: iso(r.createdAt),
        lastmodifieddate: iso(r.updatedAt),
        archived: r.archived,
        poison: r.poison ?? null,
      })),
    }),
  };
}

// The property each kind of poison breaks (./data.ts).
const POISON_PROP: Record<string, string> = {
  amount_garbage: 'amount',
  dealstage_missing: 'dealstage',
  closedate_garbage: 'closedate',
  email_invalid: 'email',
  createdate_garbage: 'createdate',
};

// Keep the intended minor units in step with a written amount (a validated decimal string or a cleared value).
function setAmount(rec: HsRecord, amount: string | null): void {
  if (amount === null || amount === '') delete rec.amountMinor;
  else rec.amountMinor = Math.round(Number(amount) * 100);
}

/** Move a deal along: open stages advance or close; won deals get an amount correction. */
function updateDeal(rng: Rng, rec: HsRecord, at: number): void {
  const stage = rec.props.dealstage;
  const openIdx = OPEN_STAGES.indexOf(stage as (typeof OPEN_STAGES)[number]);
  if (openIdx >= 0 || stage === null) {
    if (openIdx >= 0 && openIdx < OPEN_STAGES.length - 1 && rng.chance(0.5)) {
      rec.props.dealstage = OPEN_STAGES[openIdx + 1]!;
      return;
    }
    if (stage === null) return; // poison stays poison
    rec.props.dealstage = rng.chance(0.65) ? 'closedwon' : 'closedlost';
    rec.props.closedate = iso(at);
    return;
  }
  if (rec.poison === 'amount_garbage' || rec.amountMinor === undefined) return;
  // A corrected amount (discount, added seats): ±10 %, never below 1.00.
  const delta = Math.round(rec.amountMinor * (rng.int(-10, 10) / 100));
  rec.amountMinor = Math.max(100, rec.amountMinor + delta);
  rec.props.amount = formatAmount(rec.amountMinor, rng);
}
