/**
 * Google Calendar v3 routes: Bearer auth (a token issued by ./oauth.ts acts as its account until
 * it expires; any other token as account 1), the calendar resource, calendarList, events.list and
 * events.get, each over the requesting account's own calendar.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindAccount, isControlPath, type FaultState, type OAuthGrants, type SimClock } from '../common/index.ts';
import { renderRow } from './data.ts';
import { invalidCredentials, loginRequired, sendGoogleError } from './errors.ts';
import { listEvents, parseListParams } from './list.ts';
import type { GcalState } from './state.ts';
import type { TokenCodec } from './tokens.ts';

/** What the routes need from the simulator. */
export interface GcalRouteDeps {
  /** The world of the account the request acts as (bound by the auth hook). */
  world: (req: FastifyRequest) => GcalState;
  catchUp: (req: FastifyRequest) => void;
  faults: FaultState;
  clock: SimClock;
  /** The calendar id of the account the request acts as (besides `primary`). */
  calendarId: (req: FastifyRequest) => string;
  grants: OAuthGrants;
  codec: TokenCodec;
  /** Current sync-token epoch (bumped by the expire control). */
  epoch: () => number;
  syncTokenTtlMs: number;
}

/** Register the Calendar API on `app`. */
export function registerGcalRoutes(app: FastifyInstance, deps: GcalRouteDeps): void {
  const calendar = (req: FastifyRequest) => ({ kind: 'calendar#calendar', etag: `"${deps.world(req).version()}"`, id: deps.calendarId(req), summary: 'Buffalo sandbox calendar', timeZone: 'UTC' });
  const resolveCalendar = (req: FastifyRequest, id: string, reply: FastifyReply) => {
    if (id === 'primary' || id === deps.calendarId(req)) return true;
    void sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' });
    return false;
  };

  app.addHook('onRequest', async (req, reply) => {
    if (isControlPath(req.url) || req.url.startsWith('/token') || req.url.startsWith('/o/oauth2/')) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return loginRequired(reply);
    const grant = deps.grants.access(m[1]);
    if (grant && deps.clock.now() >= grant.expiresAt) return invalidCredentials(reply);
    bindAccount(req, grant?.account ?? 1);
    deps.catchUp(req);
  });
  app.setNotFoundHandler((_req, reply) => sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' }));

  app.get('/calendar/v3/users/me/calendarList', async (req) => ({
    kind: 'calendar#calendarList',
    etag: `"${deps.world(req).version()}"`,
    items: [{ ...calendar(req), kind: 'calendar#calendarListEntry', accessRole: 'owner', primary: true }],
  }));

  app.get<{ Params: { calendarId: string } }>('/calendar/v3/calendars/:calendarId', async (req, reply) => {
    if (!resolveCalendar(req, req.params.calendarId, reply)) return reply;
    return calendar(req);
  });

  app.get<{ Params: { calendarId: string }; Querystring: Record<string, unknown> }>('/calendar/v3/calendars/:calendarId/events', async (req, reply) => {
    if (!resolveCalendar(req, req.params.calendarId, reply)) return reply;
    const parsed = parseListParams(req.query);
    if (!parsed.ok) return sendGoogleError(reply, parsed.error.code, parsed.error);
    const world = deps.world(req);
    const res = listEvents(world, parsed.params, {
      codec: deps.codec,
      now: deps.clock.now(),
      epoch: deps.epoch(),
      syncTokenTtlMs: deps.syncTokenTtlMs,
      staleCursor: deps.faults.get().staleCursor,
    });
    if (!res.ok) return sendGoogleError(reply, res.error.code, { ...res.error, domain: res.error.code === 410 ? 'calendar' : 'global' });
    const latest = world.events.reduce((m, e) => Math.max(m, e.updated), 0);
    return {
      kind: 'calendar#events',
      etag: `"${world.version()}"`,
      summary: 'Buffalo sandbox calendar',
      description: '',
      updated: new Date(latest || deps.clock.now()).toISOString(),
      timeZone: 'UTC',
      accessRole: 'owner',
      defaultReminders: [{ method: 'popup', minutes: 10 }],
      ...(res.nextPageToken ? { nextPageToken: res.nextPageToken } : {}),
      ...(res.nextSyncToken ? { nextSyncToken: res.nextSyncToken } : {}),
      items: res.rows.map((r) => renderRow(r, deps.calendarId(req))),
    };
  });

  app.get<{ Params: { calendarId: string; eventId: string } }>('/calendar/v3/calendars/:calendarId/events/:eventId', async (req, reply) => {
    if (!resolveCalendar(req, req.params.calendarId, reply)) return reply;
    const ev = deps.world(req).get(req.params.eventId);
    if (!ev) return sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' });
    return renderRow({ event: ev }, deps.calendarId(req));
  });
}
