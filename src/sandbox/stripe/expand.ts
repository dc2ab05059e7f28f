/**
 * Stripe's `expand[]`: a field holding an id (or, for `refunds`, nothing at all) is replaced by
 * the object, along a dotted path of at most four levels; list endpoints expand inside `data.`.
 * A field that cannot be expanded is a 400 naming it, as Stripe answers. Which fields expand,
 * and which the simulator cannot build, is listed in docs/upstreams.md (Stripe).
 */
import type { Charge, Refund } from './data.ts';

/** What a path step turns a field into. */
type Target = 'charge' | 'refund' | 'refund_list' | 'balance_transaction' | 'customer' | 'source' | 'none' | 'unsupported';
/** Kinds of object an expansion walks through. */
export type ExpandKind = 'charge' | 'refund' | 'event' | 'balance_transaction' | 'customer';

// Expandable fields per object (stripe-node's `string | Object` fields). 'none' fields are
// always null here, so expanding them changes nothing; 'unsupported' ones name objects the
// simulator does not model.
const EXPANDABLE: Record<ExpandKind, Record<string, Target>> = {
  charge: {
    application: 'none',
    application_fee: 'none',
    balance_transaction: 'balance_transaction',
    customer: 'customer',
    failure_balance_transaction: 'none',
    on_behalf_of: 'none',
    payment_intent: 'unsupported',
    refunds: 'refund_list',
    review: 'none',
    source_transfer: 'none',
    transfer: 'none',
  },
  refund: {
    balance_transaction: 'balance_transaction',
    charge: 'charge',
    customer: 'customer',
    failure_balance_transaction: 'none',
    payment_intent: 'unsupported',
    payment_method: 'unsupported',
    source_transfer_reversal: 'none',
    transfer_reversal: 'none',
  },
  event: {},
  balance_transaction: { source: 'source' },
  customer: { default_source: 'none', test_clock: 'none' },
};

/** Stripe's limit on expansion depth. */
const MAX_DEPTH = 4;
/** Refunds embedded in an expanded `charge.refunds` (Stripe embeds the first 10). */
const EMBEDDED_LIST_SIZE = 10;

/** Lookups an expansion needs: charges, balance transactions and customers fresh (it may modify them); refunds as stored (it clones them). */
export interface ExpandSource {
  charge(id: string): Record<string, unknown> | undefined;
  refund(id: string): Refund | undefined;
  /** Refunds of a charge, newest first. */
  refundsOf(chargeId: string): Refund[];
  balanceTransaction(id: string): Record<string, unknown> | undefined;
  customer(id: string): Record<string, unknown> | undefined;
}

/** An expansion failure, answered as a 400. */
export class ExpandError extends Error {}

/** The `expand[]` values of a query (`expand[]=a`, `expand[0]=a` and `expand=a` all count). */
export function expandParams(query: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (!/^expand(\[\d*\])?$/.test(k)) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push(String(one));
  }
  return out;
}

/** Expand `paths` in `obj` (a single object of `kind`) in place; throws ExpandError. */
export function expandObject(kind: ExpandKind, obj: Record<string, unknown>, paths: readonly string[], src: ExpandSource): Record<string, unknown> {
  for (const path of sortedPaths(paths)) walk(kind, obj, path.split('.'), path, src);
  return obj;
}

/** Expand `paths` in every item of a list answer, where each path must start with `data.`. */
export function expandListItems(kind: ExpandKind, items: Array<Record<string, unknown>>, paths: readonly string[], src: ExpandSource): void {
  for (const path of sortedPaths(paths)) {
    const [head, ...rest] = path.split('.');
    if (head !== 'data' || rest.length === 0) {
      throw new ExpandError(`This property cannot be expanded (${path}). You may want to try expanding 'data.${path}' instead.`);
    }
    for (const item of items) walk(kind, item, rest, path, src);
  }
}

function sortedPaths(paths: readonly string[]): string[] {
  for (const p of paths) {
    if (p.split('.').length > MAX_DEPTH) throw new ExpandError(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${p}`);
  }
  // Parents first, so `customer` and `customer.default_source` compose.
  return [...new Set(paths)].sort((a, b) => a.split('.').length - b.split('.').length);
}

function walk(kind: ExpandKind, obj: Record<string, unknown>, segments: string[], path: string, src: ExpandSource): void {
  const [field, ...rest] = segments;
  const target = field === undefined ? undefined : EXPANDABLE[kind][field];
  if (field === undefined || target === undefined) throw new ExpandError(`This property cannot be expanded (${field ?? path}).`);
  if (target === 'unsupported') throw new ExpandError(`The Stripe simulator cannot expand ${field} (see docs/upstreams.md); this is not a Stripe answer.`);
  const current = obj[field];
  if (target === 'refund_list') {
    if (current === undefined || current === null) obj[field] = refundList(String(obj.id), src);
    const list = obj[field] as { data: Array<Record<string, unknown>> };
    if (rest.length === 0) return;
    if (rest[0] !== 'data' || rest.length === 1) throw new ExpandError(`This property cannot be expanded (${rest.join('.')}).`);
    for (const r of list.data) walk('refund', r, rest.slice(1), path, src);
    return;
  }
  if (target === 'none' || current === null || current === undefined) {
    if (rest.length > 0 && current !== null && current !== undefined) throw new ExpandError(`This property cannot be expanded (${rest.join('.')}).`);
    return;
  }
  const resolved = typeof current === 'string' ? resolve(target, current, src) : (current as Record<string, unknown>);
  if (!resolved) return;
  obj[field] = resolved;
  if (rest.length > 0) walk(kindOf(resolved), resolved, rest, path, src);
}

function resolve(target: Target, id: string, src: ExpandSource): Record<string, unknown> | undefined {
  switch (target) {
    case 'charge':
      return src.charge(id);
    case 'balance_transaction':
      return src.balanceTransaction(id);
    case 'customer':
      return src.customer(id);
    case 'source':
      return id.startsWith('re_') ? asRecord(src.refund(id)) : src.charge(id);
    default:
      return undefined;
  }
}

function refundList(chargeId: string, src: ExpandSource): Record<string, unknown> {
  const all = src.refundsOf(chargeId);
  return { object: 'list', data: all.slice(0, EMBEDDED_LIST_SIZE).map(clone), has_more: all.length > EMBEDDED_LIST_SIZE, url: `/v1/charges/${chargeId}/refunds` };
}

function kindOf(obj: Record<string, unknown>): ExpandKind {
  const k = obj.object;
  return k === 'charge' || k === 'refund' || k === 'balance_transaction' || k === 'customer' ? k : 'event';
}

function clone(r: Refund | Charge): Record<string, unknown> {
  return structuredClone(r) as unknown as Record<string, unknown>;
}

function asRecord(r: Refund | undefined): Record<string, unknown> | undefined {
  return r === undefined ? undefined : clone(r);
}
