/**
 * Google Calendar v3 write calls, as `@googleapis/calendar`'s `events.patch` / `events.delete`
 * send them. PATCH changes the fields it names (summary, description, location, status, start,
 * end, attendees; others are accepted and not modelled), bumps `updated` and the event's change
 * version, so the next incremental read (sync token) returns it; moving start or end also bumps
 * `sequence`. DELETE answers 204 and the event becomes `status: "cancelled"`: gone from a plain
 * list, still returned with `showDeleted=true` and by incremental reads, and a second DELETE is
 * 410 `deleted`. Unknown ids (including instance ids of recurring events) are 404 `notFound`.
 * Vendor facts: docs/upstreams.md (Google Calendar).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimClock } from '../common/index.ts';
import { renderRow, type GEvent } from './data.ts';
import { sendGoogleError } from './errors.ts';
import type { GcalState } from './state.ts';

/** What the write routes need from the simulator. */
export interface GcalWriteDeps {
  /** The world of the account the request acts as. */
  world: (req: FastifyRequest) => GcalState;
  clock: SimClock;
  /** The calendar id of the account the request acts as. */
  calendarId: (req: FastifyRequest) => string;
}

const when = z.object({ date: z.string().optional(), dateTime: z.string().optional(), timeZone: z.string().optional() }).loose();
// A patch body is a partial Event resource; fields the simulator does not model pass through unread.
const patchSchema = z
  .object({
    summary: z.string().optional(),
    description: z.string().optional(),
    location: z.string().optional(),
    status: z.enum(['confirmed', 'tentative', 'cancelled']).optional(),
    start: when.optional(),
    end: when.optional(),
    attendees: z.array(z.object({ email: z.string(), responseStatus: z.enum(['needsAction', 'accepted', 'declined', 'tentative']).optional() }).loose()).optional(),
  })
  .loose();
type Patch = z.infer<typeof patchSchema>;

/** A start or end as ms and whether it is all-day, or the reason it is invalid. */
function parseWhen(w: z.infer<typeof when>, field: 'start' | 'end'): { ms: number; allDay: boolean } | string {
  if (w.date !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(w.date) ? Date.parse(`${w.date}T00:00:00Z`) : NaN;
    return Number.isNaN(ms) ? `Invalid ${field} time.` : { ms, allDay: true };
  }
  if (w.dateTime !== undefined) {
    const ms = Date.parse(w.dateTime);
    return Number.isNaN(ms) ? `Invalid ${field} time.` : { ms, allDay: false };
  }
  return `Missing ${field} time.`;
}

/** Apply a validated patch to `ev`; returns an error message for an impossible time range. */
function applyPatch(ev: GEvent, p: Patch): string | undefined {
  if (p.start !== undefined || p.end !== undefined) {
    const start = p.start ? parseWhen(p.start, 'start') : { ms: ev.startMs, allDay: ev.allDay };
    if (typeof start === 'string') return start;
    // A patch merges: an end it does not name stays where it was, so a start moved past it is an empty range.
    const end = p.end ? parseWhen(p.end, 'end') : { ms: ev.startMs + ev.durationMs, allDay: ev.allDay };
    if (typeof end === 'string') return end;
    if (start.allDay !== end.allDay) return 'Invalid start time.';
    if (end.ms <= start.ms) return 'The specified time range is empty.';
    ev.startMs = start.ms;
    ev.durationMs = end.ms - start.ms;
    ev.allDay = start.allDay;
    ev.sequence++;
    delete ev.poison; // a time written through the API is a valid one
  }
  if (p.summary !== undefined) ev.summary = p.summary;
  if (p.description !== undefined) ev.description = p.description;
  if (p.location !== undefined) ev.location = p.location;
  if (p.status !== undefined) ev.status = p.status;
  if (p.attendees !== undefined) ev.attendees = p.attendees.map((a) => ({ email: a.email, responseStatus: a.responseStatus ?? 'needsAction' }));
  return undefined;
}

/** Register PATCH and DELETE on `/calendar/v3/calendars/:calendarId/events/:eventId`. */
export function registerGcalWrites(app: FastifyInstance, deps: GcalWriteDeps): void {
  const notFound = (reply: FastifyReply) => sendGoogleError(reply, 404, { reason: 'notFound', message: 'Not Found' });
  const known = (req: FastifyRequest, calendarId: string) => calendarId === 'primary' || calendarId === deps.calendarId(req);

  app.patch<{ Params: { calendarId: string; eventId: string } }>('/calendar/v3/calendars/:calendarId/events/:eventId', async (req, reply) => {
    if (!known(req, req.params.calendarId)) return notFound(reply);
    const world = deps.world(req);
    const ev = world.get(req.params.eventId);
    if (!ev) return notFound(reply);
    const parsed = patchSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path.join('.') ?? '');
      return sendGoogleError(reply, 400, { reason: 'invalid', message: `Invalid value for: ${field}`, location: field });
    }
    const draft = structuredClone(ev);
    const bad = applyPatch(draft, parsed.data);
    if (bad) return sendGoogleError(reply, 400, { reason: bad.startsWith('The specified') ? 'timeRangeEmpty' : 'invalid', message: bad });
    Object.assign(ev, draft);
    if (draft.poison === undefined) delete ev.poison;
    if (ev.status === 'cancelled') world.cancel(ev, deps.clock.now());
    else world.touch(ev, deps.clock.now());
    return renderRow({ event: ev }, deps.calendarId(req));
  });

  app.delete<{ Params: { calendarId: string; eventId: string } }>('/calendar/v3/calendars/:calendarId/events/:eventId', async (req, reply) => {
    if (!known(req, req.params.calendarId)) return notFound(reply);
    const world = deps.world(req);
    const ev = world.get(req.params.eventId);
    if (!ev) return notFound(reply);
    if (ev.status === 'cancelled') return sendGoogleError(reply, 410, { reason: 'deleted', message: 'Resource has been deleted' });
    world.cancel(ev, deps.clock.now());
    return reply.code(204).send();
  });
}
