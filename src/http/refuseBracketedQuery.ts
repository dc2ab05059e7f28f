/**
 * `?startDate[]=x` or `?startDate[a]=x`: Fastify's query parser keeps such a key apart from
 * `startDate`, so a route's schema would ignore it as an extra key and answer as if the filter
 * had not been given (all-time totals for a date filter). Every route refuses instead a query key
 * that is one of its declared parameters followed by `[`. Other extra keys stay harmless.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/** The first query key written as a declared parameter with a bracket suffix, or undefined. */
export function bracketedQueryKey(query: Record<string, unknown>, declared: ReadonlySet<string>): { key: string; parameter: string } | undefined {
  for (const key of Object.keys(query)) {
    const bracket = key.indexOf('[');
    if (bracket <= 0 || declared.has(key)) continue;
    const parameter = key.slice(0, bracket);
    if (declared.has(parameter)) return { key, parameter };
  }
  return undefined;
}

// Parameter names of a route's querystring schema: a zod object (its shape), a zod pipe or
// transform (what goes in), or a plain JSON schema (its properties).
const declaredCache = new WeakMap<object, ReadonlySet<string>>();
function declaredParameters(schema: unknown): ReadonlySet<string> {
  if (!schema || typeof schema !== 'object') return new Set();
  const cached = declaredCache.get(schema);
  if (cached) return cached;
  const s = schema as { shape?: unknown; properties?: unknown; _zod?: { def?: { in?: unknown; innerType?: unknown } } };
  const names = s.shape && typeof s.shape === 'object'
    ? new Set(Object.keys(s.shape))
    : s._zod?.def?.in || s._zod?.def?.innerType
      ? declaredParameters(s._zod.def.in ?? s._zod.def.innerType)
      : s.properties && typeof s.properties === 'object'
        ? new Set(Object.keys(s.properties))
        : new Set<string>();
  declaredCache.set(schema, names);
  return names;
}

/** preValidation hook: 400 `validation_failed` naming the parameter a bracketed key stands for. */
export async function refuseBracketedQuery(request: FastifyRequest): Promise<void> {
  const query = request.query;
  if (!query || typeof query !== 'object') return;
  const found = bracketedQueryKey(query as Record<string, unknown>, declaredParameters(request.routeOptions.schema?.querystring));
  if (found) {
    throw new AppError('validation_failed', `${found.parameter}: give it once as ${found.parameter}=value, not as ${found.key}`, { details: { field: found.parameter, in: 'querystring' } });
  }
}
