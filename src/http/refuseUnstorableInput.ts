/**
 * The one check of API input against what PostgreSQL can store: a route parameter, query
 * parameter or parsed body holding NUL (U+0000) or an unpaired UTF-16 surrogate, in a value or
 * a key, is refused with 400 `validation_failed` naming the field. It runs as the app's first
 * preValidation hook — after authentication, before the route's own hooks, its schema, its
 * Idempotency-Key claim, any upstream call or write — so such input has no side effect at all.
 * Upstream content is the other case: it is stored with those characters replaced
 * (docs/architecture.md, "Hostile content"). Raw bodies (a route's own buffer parser, the
 * signed Stripe webhooks) are not parsed JSON and are left to their route.
 */
import type { FastifyRequest } from 'fastify';
import { makeStorable } from '../db/index.ts';
import { AppError } from '../errors.ts';

// The request parts checked, with the names the zod validation errors use for them.
const PARTS = [
  ['params', 'params'],
  ['query', 'querystring'],
  ['body', 'body'],
] as const;

const PROBLEM = 'must not contain NUL (U+0000) or an unpaired UTF-16 surrogate';

/** preValidation hook: 400 `validation_failed` naming the first field (in document order) PostgreSQL could not store. */
export async function refuseUnstorableInput(request: FastifyRequest): Promise<void> {
  for (const [part, where] of PARTS) {
    const value: unknown = request[part];
    if (!isParsedInput(value)) continue;
    const { report } = makeStorable(value);
    if (!report) continue;
    const fields = report.paths.map((path) => fieldOf(path, where));
    const field = fields[0] ?? where;
    throw new AppError('validation_failed', `${field}: ${PROBLEM}`, {
      details: { field, in: where, issues: fields.map((f) => ({ field: f, message: PROBLEM })) },
    });
  }
}

// Strings and objects a parser made (a JSON body, the query and params objects, whose prototypes
// vary by parser); never raw bytes or a stream a route reads itself.
function isParsedInput(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (value === null || typeof value !== 'object') return false;
  return !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer) && typeof (value as { pipe?: unknown }).pipe !== 'function';
}

// makeStorable's `$.items[0].productId` as the field name `items[0].productId` (a changed key
// stays marked `{key}`); the whole part when it is itself a bad string.
function fieldOf(path: string, where: string): string {
  if (path === '$') return where;
  return path.startsWith('$.') ? path.slice(2) : path.slice(1);
}
