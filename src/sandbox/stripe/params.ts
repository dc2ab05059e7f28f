/**
 * Parsing Stripe list query strings (form-style keys such as `created[gte]`, `types[0]`)
 * with Stripe's validation: unknown parameters, non-integers and out-of-range limits are 400s.
 */
import type { CreatedRange } from './store.ts';

/** A parsed list request, or the 400 to answer with. */
export type ParsedList =
  | { ok: true; limit: number; startingAfter?: string; endingBefore?: string; created?: CreatedRange; filters: Record<string, string>; types?: string[]; includeTotalCount: boolean }
  | { ok: false; param: string; message: string; code?: string };

const COMMON = new Set(['limit', 'starting_after', 'ending_before', 'created']);

/** Parse a list query; `extra` names the endpoint's own scalar filters; `types` enables `types[]`. */
export function parseListQuery(query: Record<string, unknown>, extra: readonly string[], opts: { types?: boolean } = {}): ParsedList {
  const filters: Record<string, string> = {};
  const created: CreatedRange = {};
  let types: string[] | undefined;
  let limit = 10;
  let startingAfter: string | undefined;
  let endingBefore: string | undefined;
  let includeTotalCount = false;
  for (const [rawKey, rawVal] of Object.entries(query)) {
    const val = Array.isArray(rawVal) ? String(rawVal[0]) : String(rawVal);
    const m = /^([a-z_]+)(?:\[([a-z0-9_]*)\])?$/.exec(rawKey);
    const base = m?.[1] ?? rawKey;
    const sub = m?.[2];
    if (base === 'expand') continue; // validated by ./expand.ts against the object listed
    if (base === 'include') {
      // Stripe's opt-in for `total_count` on a list; nothing else can be included.
      for (const v of Array.isArray(rawVal) ? rawVal.map(String) : [val]) {
        if (v !== 'total_count') return { ok: false, param: rawKey, message: `Invalid include: must be one of total_count` };
      }
      includeTotalCount = true;
      continue;
    }
    if (base === 'created') {
      const bound = sub ?? 'eq';
      if (!['gt', 'gte', 'lt', 'lte', 'eq'].includes(bound)) return { ok: false, param: rawKey, message: `Received unknown parameter: ${rawKey}` };
      const n = parseInteger(val);
      if (n === undefined) return { ok: false, param: rawKey, message: `Invalid integer: ${val}`, code: 'parameter_invalid_integer' };
      if (bound === 'eq') {
        created.gte = n;
        created.lte = n;
      } else created[bound as keyof CreatedRange] = n;
      continue;
    }
    if (base === 'types' && opts.types) {
      const vals = Array.isArray(rawVal) ? rawVal.map(String) : [val];
      types = [...(types ?? []), ...vals];
      continue;
    }
    if (sub !== undefined || (!COMMON.has(base) && !extra.includes(base))) {
      return { ok: false, param: rawKey, message: `Received unknown parameter: ${rawKey}` };
    }
    if (base === 'limit') {
      const n = parseInteger(val);
      if (n === undefined) return { ok: false, param: 'limit', message: `Invalid integer: ${val}`, code: 'parameter_invalid_integer' };
      if (n < 1) return { ok: false, param: 'limit', message: `This value must be greater than or equal to 1.` };
      if (n > 100) return { ok: false, param: 'limit', message: `This value must be less than or equal to 100 (it currently is '${n}').` };
      limit = n;
    } else if (base === 'starting_after') startingAfter = val;
    else if (base === 'ending_before') endingBefore = val;
    else filters[base] = val;
  }
  if (startingAfter !== undefined && endingBefore !== undefined) {
    return { ok: false, param: 'ending_before', message: 'You may only specify one of these parameters: ending_before, starting_after.' };
  }
  if (types !== undefined && filters.type !== undefined) {
    return { ok: false, param: 'types', message: 'You may only specify one of these parameters: type, types.' };
  }
  return {
    ok: true,
    limit,
    ...(startingAfter !== undefined ? { startingAfter } : {}),
    ...(endingBefore !== undefined ? { endingBefore } : {}),
    ...(Object.keys(created).length > 0 ? { created } : {}),
    filters,
    ...(types ? { types } : {}),
    includeTotalCount,
  };
}

function parseInteger(s: string): number | undefined {
  return /^-?\d{1,15}$/.test(s.trim()) ? Number(s.trim()) : undefined;
}

/** Whether event `type` matches a filter value (`charge.*` wildcards as Stripe allows). */
export function typeMatches(type: string, filter: string): boolean {
  return filter.endsWith('.*') ? type.startsWith(filter.slice(0, -1)) : type === filter;
}
