/**
 * HubSpot CRM v3 routes: list (`after` paging by id), get by id, search (offset paging, 10,000
 * cap) and Bearer auth: an OAuth token issued by ./oauth.ts acts as its portal until it expires;
 * a portal's private-app token as that portal; any other token as portal 1 (or, when the
 * simulator was given portal 1's token, only that one).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { accountInCredential, bindAccount, isControlPath, type AccountBook, type FaultState, type OAuthGrants, type SimClock } from '../common/index.ts';
import { DEFAULT_PROPS, iso, MODIFIED_PROP, type HsRecord, type ObjectType } from './data.ts';
import { expired, sendHubspotError, unauthorized } from './errors.ts';
import { HUBSPOT_PORTAL_TOKEN_PREFIX } from './portalCredentials.ts';
import { invalidFilter, runSearch, SEARCH_RESULT_CAP, searchBodySchema } from './search.ts';
import type { HubspotState } from './state.ts';

/** What the routes need from the simulator. */
export interface HubspotRouteDeps {
  /** The world of the portal the request acts as (bound by the auth hook). */
  world: (req: FastifyRequest) => HubspotState;
  catchUp: (req: FastifyRequest) => void;
  faults: FaultState;
  clock: SimClock;
  grants: OAuthGrants;
  accounts: Pick<AccountBook<unknown>, 'has'>;
  /** Portal 1's only static token; default any bearer token that names no other portal. */
  accessToken?: string;
}

/** The portal a bearer token acts as before expiry checks (also the rate-limit key), or undefined when none. */
export function portalOfToken(token: string, deps: Pick<HubspotRouteDeps, 'grants' | 'accounts' | 'accessToken'>): number | undefined {
  const grant = deps.grants.access(token);
  if (grant) return grant.account;
  const n = accountInCredential(token, HUBSPOT_PORTAL_TOKEN_PREFIX, '', deps.accounts);
  if (n !== undefined) return n;
  if (token.startsWith(HUBSPOT_PORTAL_TOKEN_PREFIX)) return undefined;
  return deps.accessToken && token !== deps.accessToken ? undefined : 1;
}

const TYPES = new Set<string>(['deals', 'contacts']);

/** The wire form of a record with the requested properties (always id, created and modified). */
export function renderRecord(rec: HsRecord, type: ObjectType, requested: string[]): Record<string, unknown> {
  const names = new Set([...(requested.length > 0 ? requested : DEFAULT_PROPS[type]), 'hs_object_id', 'createdate', MODIFIED_PROP[type]]);
  const properties: Record<string, string | null> = {};
  for (const n of [...names].sort()) if (n in rec.props) properties[n] = rec.props[n] ?? null;
  return {
    id: rec.id,
    properties,
    createdAt: iso(rec.createdAt),
    updatedAt: iso(rec.updatedAt),
    archived: rec.archived,
    ...(rec.archivedAt !== undefined && rec.archived ? { archivedAt: iso(rec.archivedAt) } : {}),
  };
}

function propertyList(raw: unknown): string[] {
  const vals = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return vals.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Register the CRM API on `app`. */
export function registerHubspotRoutes(app: FastifyInstance, deps: HubspotRouteDeps): void {
  app.addHook('onRequest', async (req, reply) => {
    if (isControlPath(req.url) || req.url.startsWith('/oauth/')) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = m?.[1];
    if (!token) return unauthorized(reply);
    const grant = deps.grants.access(token);
    if (grant && deps.clock.now() >= grant.expiresAt) return expired(reply, deps.clock.now() - grant.expiresAt);
    const portal = portalOfToken(token, deps);
    if (portal === undefined) return unauthorized(reply);
    bindAccount(req, portal);
    deps.catchUp(req);
  });
  app.setNotFoundHandler((req, reply) => sendHubspotError(reply, 404, `Unable to find a route for ${req.method} ${req.url.split('?')[0]}`, 'OBJECT_NOT_FOUND'));

  const badType = (type: string) => !TYPES.has(type);
  const base = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? req.hostname}`;

  app.get<{ Params: { type: string }; Querystring: Record<string, unknown> }>('/crm/v3/objects/:type', async (req, reply) => {
    const { type } = req.params;
    if (badType(type)) return sendHubspotError(reply, 400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const q = req.query;
    const limit = q.limit === undefined ? 10 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendHubspotError(reply, 400, `limit must be an integer between 1 and 100 (got ${String(q.limit)})`, 'VALIDATION_ERROR');
    const after = q.after === undefined ? undefined : String(q.after);
    if (after !== undefined && (!/^\d{1,20}$/.test(after) || deps.faults.get().staleCursor)) {
      return sendHubspotError(reply, 400, `Invalid paging cursor: after=${after}`, 'VALIDATION_ERROR', { errors: [{ message: 'after is not a valid paging cursor', in: 'after' }] });
    }
    const archived = String(q.archived ?? 'false') === 'true';
    const props = propertyList(q.properties);
    const store = deps.world(req).stores[type as ObjectType];
    const results: HsRecord[] = [];
    let next: HsRecord | undefined;
    for (let i = after === undefined ? 0 : store.indexFrom(Number(after)); i < store.items.length; i++) {
      const rec = store.items[i]!;
      if (rec.archived !== archived) continue;
      if (results.length === limit) {
        next = rec;
        break;
      }
      results.push(rec);
    }
    const link = next ? `${base(req)}/crm/v3/objects/${type}?limit=${limit}&after=${next.id}${archived ? '&archived=true' : ''}` : undefined;
    return { results: results.map((r) => renderRecord(r, type as ObjectType, props)), ...(next ? { paging: { next: { after: next.id, link } } } : {}) };
  });

  app.get<{ Params: { type: string; id: string }; Querystring: Record<string, unknown> }>('/crm/v3/objects/:type/:id', async (req, reply) => {
    const { type, id } = req.params;
    if (badType(type)) return sendHubspotError(reply, 400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const rec = deps.world(req).stores[type as ObjectType].get(id);
    const archived = String(req.query.archived ?? 'false') === 'true';
    if (!rec || rec.archived !== archived) return sendHubspotError(reply, 404, 'resource not found', 'OBJECT_NOT_FOUND', { context: { id: [id] } });
    return renderRecord(rec, type as ObjectType, propertyList(req.query.properties));
  });

  app.post<{ Params: { type: string } }>('/crm/v3/objects/:type/search', async (req, reply) => {
    const { type } = req.params;
    if (badType(type)) return sendHubspotError(reply, 400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const parsed = searchBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) return sendHubspotError(reply, 400, `Invalid input JSON: ${z.prettifyError(parsed.error)}`, 'VALIDATION_ERROR');
    const body = parsed.data;
    const bad = invalidFilter(body);
    if (bad) return sendHubspotError(reply, 400, bad, 'VALIDATION_ERROR');
    const offset = body.after === undefined ? 0 : /^\d{1,9}$/.test(body.after) ? Number(body.after) : NaN;
    if (Number.isNaN(offset) || (body.after !== undefined && deps.faults.get().staleCursor)) {
      return sendHubspotError(reply, 400, `Invalid paging cursor: after=${body.after}`, 'VALIDATION_ERROR');
    }
    if (offset + body.limit > SEARCH_RESULT_CAP) {
      return sendHubspotError(reply, 400, `There was a problem with the request. Search results are limited to ${SEARCH_RESULT_CAP}: after (${offset}) + limit (${body.limit}) exceeds it.`, 'VALIDATION_ERROR', {
        errors: [{ message: `after + limit must not exceed ${SEARCH_RESULT_CAP}`, in: 'after' }],
      });
    }
    const hits = runSearch(deps.world(req).stores[type as ObjectType].items, body);
    const page = hits.slice(offset, offset + body.limit);
    const nextAfter = offset + page.length;
    return {
      total: hits.length,
      results: page.map((r) => renderRecord(r, type as ObjectType, body.properties)),
      ...(nextAfter < hits.length && page.length > 0 ? { paging: { next: { after: String(nextAfter) } } } : {}),
    };
  });
}
