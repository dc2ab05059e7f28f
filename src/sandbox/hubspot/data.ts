/**
 * HubSpot CRM records as the simulator stores them (every property a string, as HubSpot
 * returns them) and pure, seeded generators for deals and contacts.
 */
import type { Rng } from '../common/index.ts';

/** CRM object types served. */
export type ObjectType = 'deals' | 'contacts';

/** One stored CRM object. */
export interface HsRecord {
  id: string;
  /** Numeric id (list order and `after` cursors). */
  num: number;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** Stored property values (strings; null = no value). */
  props: Record<string, string | null>;
  /** Intended amount in minor units (deals), even when the stored string is poison. */
  amountMinor?: number;
  /** How this record is malformed, when it is poison. */
  poison?: string;
}

/** Name of the "last modified" property per object type (what incremental search filters on). */
export const MODIFIED_PROP: Record<ObjectType, string> = { deals: 'hs_lastmodifieddate', contacts: 'lastmodifieddate' };

/** Properties returned when a request names none (HubSpot's defaults). */
export const DEFAULT_PROPS: Record<ObjectType, string[]> = {
  deals: ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
};

/** Open deal stages of the default pipeline, in order. */
export const OPEN_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'] as const;
/** Stages a portal may have that no allow-list knows (custom pipeline stage ids). */
export const CUSTOM_STAGES = ['1234567', 'negotiation_custom'] as const;
const LIFECYCLE = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;
const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Ken', 'Radia', 'Donald', 'Margaret', 'Linus', 'Frances', 'John'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Thompson', 'Perlman', 'Knuth', 'Hamilton', 'Torvalds', 'Allen', 'Backus'];
const COMPANIES = ['Acme Corp', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Tyrell', 'Cyberdyne', 'Soylent'];
const PRODUCTS = ['Platform license', 'Onboarding', 'Support plan', 'Expansion seats', 'Renewal', 'Pilot'];

/** ISO timestamp as HubSpot prints it. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Minor units as HubSpot stores a number property: "1500", "1500.5" or "1500.50". */
export function formatAmount(minor: number, rng: Rng): string {
  const units = Math.floor(minor / 100);
  const cents = minor % 100;
  if (cents === 0) return rng.chance(0.2) ? `${units}.00` : String(units);
  if (cents % 10 === 0 && rng.chance(0.5)) return `${units}.${cents / 10}`;
  return `${units}.${String(cents).padStart(2, '0')}`;
}

/** A deal stage for a new deal or a deal as seeded. */
export function pickStage(rng: Rng): string {
  return rng.weighted<string>([
    ['closedwon', 40],
    ['closedlost', 15],
    ...OPEN_STAGES.map((s) => [s, 8] as const),
    [CUSTOM_STAGES[0], 2],
    [CUSTOM_STAGES[1], 1],
  ]);
}

/** A deal amount in minor units. */
export function pickAmountMinor(rng: Rng): number {
  return rng.chance(0.1) ? rng.int(1_000_000, 25_000_000) : rng.int(10_000, 1_000_000);
}

// A closed deal closes up to this long after it was created.
const MAX_CLOSE_MS = 20 * 86_400_000;

/**
 * A deal created at `createdAt` with id `num`, as it stands at `asOf` (the simulator's clock; ≥
 * createdAt). A closed deal's closedate lies in [createdAt, asOf]: a deal is won or lost when it
 * happened, never on a day still to come.
 */
export function makeDeal(rng: Rng, num: number, createdAt: number, poisonRate: number, asOf: number = createdAt): HsRecord {
  const stage = pickStage(rng);
  const amountMinor = pickAmountMinor(rng);
  const closed = stage === 'closedwon' || stage === 'closedlost';
  // Scaled rather than clamped (same draw either way), so recent deals do not pile up on `asOf`.
  const closeWithin = Math.max(0, Math.min(MAX_CLOSE_MS, asOf - createdAt)) / MAX_CLOSE_MS;
  const props: Record<string, string | null> = {
    amount: formatAmount(amountMinor, rng),
    closedate: closed ? iso(createdAt + Math.floor(rng.int(3_600_000, MAX_CLOSE_MS) * closeWithin)) : null,
    createdate: iso(createdAt),
    dealname: `${rng.pick(COMPANIES)} — ${rng.pick(PRODUCTS)}`,
    dealstage: stage,
    deal_currency_code: rng.weighted([['USD', 80], ['EUR', 12], ['GBP', 8]] as const),
    hs_lastmodifieddate: iso(createdAt),
    hs_object_id: String(num),
    pipeline: 'default',
  };
  const rec: HsRecord = { id: String(num), num, createdAt, updatedAt: createdAt, archived: false, props, amountMinor };
  if (rng.chance(poisonRate)) poisonDeal(rng, rec);
  return rec;
}

function poisonDeal(rng: Rng, rec: HsRecord): void {
  const kind = rng.pick(['amount_garbage', 'dealstage_missing', 'closedate_garbage'] as const);
  rec.poison = kind;
  if (kind === 'amount_garbage') rec.props.amount = '12,34x';
  else if (kind === 'dealstage_missing') rec.props.dealstage = null;
  else rec.props.closedate = 'next tuesday';
}

/** A contact created at `createdAt` with id `num`. */
export function makeContact(rng: Rng, num: number, createdAt: number, poisonRate: number): HsRecord {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const company = rng.pick(COMPANIES);
  const props: Record<string, string | null> = {
    company,
    createdate: iso(createdAt),
    email: `${first}.${last}.${num}@${company.toLowerCase().replace(/[^a-z]/g, '')}.example`.toLowerCase(),
    firstname: first,
    hs_lastmodifieddate: iso(createdAt),
    hs_object_id: String(num),
    lastmodifieddate: iso(createdAt),
    lastname: last,
    lifecyclestage: rng.pick(LIFECYCLE),
    phone: rng.chance(0.7) ? `+1 555 ${String(rng.int(0, 9999999)).padStart(7, '0')}` : null,
  };
  const rec: HsRecord = { id: String(num), num, createdAt, updatedAt: createdAt, archived: false, props };
  if (rng.chance(poisonRate)) {
    const kind = rng.pick(['email_invalid', 'createdate_garbage'] as const);
    rec.poison = kind;
    if (kind === 'email_invalid') rec.props.email = 'not-an-email';
    else rec.props.createdate = 'sometime';
  }
  return rec;
}

/** Another lifecycle stage (contact updates). */
export function pickLifecycle(rng: Rng): string {
  return rng.pick(LIFECYCLE);
}

/** Set `updatedAt` and the type's modified property together. */
export function touch(rec: HsRecord, type: ObjectType, at: number): void {
  rec.updatedAt = at;
  rec.props[MODIFIED_PROP[type]] = iso(at);
  if (type === 'contacts') rec.props.hs_lastmodifieddate = iso(at);
}
