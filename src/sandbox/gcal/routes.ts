/**
 * Google Calendar v3 routes: Bearer auth (any token, except issued ones past `tokenTtlS`),
 * a Google-style OAuth token endpoint, the calendar resource, calendarList, events.list and
 * events.get.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isControlPath, type FaultState, type SimClock } from '../common/index.ts';
import { renderRow } from './data.ts';
import { invalidCredentials, loginRequired, sendGoogleError } from './errors.ts';
import { listEvents, parseListParams } from './list.ts';
import type { GcalState } from './state.ts';
import type { TokenCodec } from './tokens.ts';

/** What the routes need from the simulator. */
export interface GcalRouteDeps {
  world: () => GcalState;
  catchUp: () => void;
  faults: FaultState;
  clock: SimClock;
  calendarId: string;
  codec: TokenCodec;
  /** Current sync-token epoch (bumped by the expire control). */
  epoch: () => number;
  syncTokenTtlMs: number;
}

/** Register the Calendar API on `app`. */
export function registerGcalRoutes(app: FastifyInstance, deps: GcalRouteDeps): void {
  const issued = new Map<string, number>();
  const calendar = () => ({ kind: 'calendar#calendar', etag: `"${deps.world().version()}"`, id: deps.calendarId, summary: 'Buffalo sandbox calendar', timeZone: 'UTC' });
  const resolveCalendar = (id: string, reply: FastifyReply) => {
    if (id === 'primary' || id === deps.calendarId) return true;
    void sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' });
    return false;
  };

  app.addHook('onRequest', async (req, reply) => {
    if (isControlPath(req.url) || req.url.startsWith('/token')) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return loginRequired(reply);
    const issuedAt = issued.get(m[1]);
    const ttlMs = deps.faults.get().tokenTtlS * 1000;
    if (issuedAt !== undefined && ttlMs > 0 && deps.clock.now() - issuedAt >= ttlMs) return invalidCredentials(reply);
    deps.catchUp();
  });
  app.setNotFoundHandler((_req, reply) => sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' }));

  // Google's OAuth token endpoint shape (service-account JWT bearer, refresh token or client credentials).
  app.post('/token', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const grants = ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token', 'client_credentials'];
    if (!grants.includes(String(body.grant_type))) return reply.code(400).send({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    const token = `ya29.sim-${randomBytes(18).toString('base64url')}`;
    issued.set(token, deps.clock.now());
    const ttl = deps.faults.get().tokenTtlS;
    return { access_token: token, expires_in: ttl > 0 ? ttl : 3599, token_type: 'Bearer' };
  });

  app.get('/calendar/v3/users/me/calendarList', async () => ({
    kind: 'calendar#calendarList',
    etag: `"${deps.world().version()}"`,
    items: [{ ...calendar(), kind: 'calendar#calendarListEntry', accessRole: 'owner', primary: true }],
  }));

  app.get<{ Params: { calendarId: string } }>('/calendar/v3/calendars/:calendarId', async (req, reply) => {
    if (!resolveCalendar(req.params.calendarId, reply)) return reply;
    return calendar();
  });

  app.get<{ Params: { calendarId: string }; Querystring: Record<string, unknown> }>('/calendar/v3/calendars/:calendarId/events', async (req, reply) => {
    if (!resolveCalendar(req.params.calendarId, reply)) return reply;
    const parsed = parseListParams(req.query);
    if (!parsed.ok) return sendGoogleError(reply, parsed.error.code, parsed.error);
    const world = deps.world();
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
      items: res.rows.map((r) => renderRow(r, deps.calendarId)),
    };
  });

  app.get<{ Params: { calendarId: string; eventId: string } }>('/calendar/v3/calendars/:calendarId/events/:eventId', async (req, reply) => {
    if (!resolveCalendar(req.params.calendarId, reply)) return reply;
    const ev = deps.world().get(req.params.eventId);
    if (!ev) return sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' });
    return renderRow({ event: ev }, deps.calendarId);
  });
}
