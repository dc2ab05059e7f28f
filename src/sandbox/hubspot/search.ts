/**
 * HubSpot CRM search semantics (pure): `filterGroups` (groups OR-ed, filters AND-ed) with
 * HubSpot's operators, date values as ms-epoch strings or ISO, one sort, offset paging capped
 * at 10,000 results per query.
 */
import { z } from 'zod';
import type { HsRecord } from './data.ts';

/** Results a single search query can page through. */
export const SEARCH_RESULT_CAP = 10_000;

const OPERATORS = ['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'] as const;
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** Body of `POST /crm/v3/objects/{type}/search`. */
export const searchBodySchema = z.object({
  filterGroups: z
    .array(
      z.object({
        filters: z.array(
          z.object({
            propertyName: z.string().min(1),
            operator: z.enum(OPERATORS),
            value: scalar.optional(),
            highValue: scalar.optional(),
            values: z.array(scalar).optional(),
          }),
        ),
      }),
    )
    .max(5)
    .default([]),
  sorts: z.array(z.union([z.string(), z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING') })])).default([]),
  query: z.string().optional(),
  properties: z.array(z.string()).default([]),
  limit: z.number().int().min(0).max(200).default(10),
  after: z.union([z.string(), z.number()]).transform(String).optional(),
});

/** A parsed search body. */
export type SearchBody = z.infer<typeof searchBodySchema>;
type Filter = SearchBody['filterGroups'][number]['filters'][number];

const DATE_PROPS = new Set(['createdate', 'hs_lastmodifieddate', 'lastmodifieddate', 'closedate', 'hs_createdate']);
const NUMBER_PROPS = new Set(['amount', 'hs_object_id']);

/** Comparable form of a property or filter value: ms for dates, numbers for numbers, else lower-case text. */
function comparable(prop: string, v: string): number | string {
  if (DATE_PROPS.has(prop)) return /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (NUMBER_PROPS.has(prop)) return Number(v);
  return v.toLowerCase();
}

function cmp(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function matches(rec: HsRecord, f: Filter): boolean {
  const raw = f.propertyName === 'hs_object_id' ? rec.id : rec.props[f.propertyName];
  if (f.operator === 'HAS_PROPERTY') return raw !== null && raw !== undefined && raw !== '';
  if (f.operator === 'NOT_HAS_PROPERTY') return raw === null || raw === undefined || raw === '';
  if (raw === null || raw === undefined) return f.operator === 'NEQ' || f.operator === 'NOT_IN' || f.operator === 'NOT_CONTAINS_TOKEN';
  const v = comparable(f.propertyName, raw);
  if (typeof v === 'number' && Number.isNaN(v)) return false; // malformed stored value never matches a comparison
  const value = comparable(f.propertyName, f.value ?? '');
  switch (f.operator) {
    case 'EQ':
      return cmp(v, value) === 0;
    case 'NEQ':
      return cmp(v, value) !== 0;
    case 'LT':
      return cmp(v, value) < 0;
    case 'LTE':
      return cmp(v, value) <= 0;
    case 'GT':
      return cmp(v, value) > 0;
    case 'GTE':
      return cmp(v, value) >= 0;
    case 'BETWEEN':
      return cmp(v, value) >= 0 && cmp(v, comparable(f.propertyName, f.highValue ?? '')) <= 0;
    case 'IN':
      return (f.values ?? []).some((x) => cmp(v, comparable(f.propertyName, x)) === 0);
    case 'NOT_IN':
      return !(f.values ?? []).some((x) => cmp(v, comparable(f.propertyName, x)) === 0);
    case 'CONTAINS_TOKEN':
      return raw.toLowerCase().includes((f.value ?? '').toLowerCase().replace(/\*/g, ''));
    case 'NOT_CONTAINS_TOKEN':
      return !raw.toLowerCase().includes((f.value ?? '').toLowerCase().replace(/\*/g, ''));
  }
}

/** A filter that cannot be evaluated (bad value), described for a 400. */
export function invalidFilter(body: SearchBody): string | undefined {
  for (const g of body.filterGroups) {
    for (const f of g.filters) {
      if (['HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'IN', 'NOT_IN'].includes(f.operator)) continue;
      if (f.value === undefined) return `filter on ${f.propertyName} with operator ${f.operator} requires a value`;
      if (f.operator === 'BETWEEN' && f.highValue === undefined) return `filter on ${f.propertyName} with operator BETWEEN requires a highValue`;
      for (const v of [f.value, f.highValue]) {
        if (v !== undefined && DATE_PROPS.has(f.propertyName) && Number.isNaN(comparable(f.propertyName, v) as number)) {
          return `${v} is not a valid value for ${f.propertyName}: expected a timestamp in milliseconds or an ISO 8601 date`;
        }
      }
    }
  }
  return undefined;
}

/** Every live record matching the body's filters, sorted (ties by id). */
export function runSearch(records: readonly HsRecord[], body: SearchBody): HsRecord[] {
  const hits = records.filter((r) => !r.archived && (body.filterGroups.length === 0 || body.filterGroups.some((g) => g.filters.every((f) => matches(r, f)))));
  const sort = body.sorts[0];
  const prop = sort === undefined ? undefined : typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
  const desc = sort !== undefined && (typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING');
  if (prop === undefined) return hits; // stores keep id order
  const key = (r: HsRecord) => {
    const raw = prop === 'hs_object_id' ? r.id : r.props[prop];
    const c = raw === null || raw === undefined ? undefined : comparable(prop, raw);
    return c === undefined || (typeof c === 'number' && Number.isNaN(c)) ? undefined : c;
  };
  return hits
    .map((r) => ({ r, k: key(r) }))
    .sort((x, y) => {
      // Records without the property sort last in either direction.
      if (x.k === undefined || y.k === undefined) return x.k === y.k ? x.r.num - y.r.num : x.k === undefined ? 1 : -1;
      const c = cmp(x.k, y.k);
      return c !== 0 ? (desc ? -c : c) : x.r.num - y.r.num;
    })
    .map((x) => x.r);
}
