/**
 * Google Calendar events as the simulator stores them, pure seeded generators, and the wire
 * rendering (full `calendar#event`, or the minimal `{kind, etag, id, status: "cancelled"}` of a
 * deleted event; recurring masters expand into instances for `singleEvents=true`).
 */
import type { Rng } from '../common/index.ts';

/** One stored event. */
export interface GEvent {
  id: string;
  /** Creation order (stable list order). */
  seq: number;
  /** Global change counter at the last change (sync tokens compare against it). */
  version: number;
  status: 'confirmed' | 'tentative' | 'cancelled';
  created: number;
  updated: number;
  summary: string;
  description: string;
  location: string;
  /** Start (ms); all-day events start at UTC midnight. */
  startMs: number;
  durationMs: number;
  allDay: boolean;
  attendees: Array<{ email: string; responseStatus: 'needsAction' | 'accepted' | 'declined' | 'tentative' }>;
  /** Weekly occurrences when recurring. */
  weeklyCount?: number;
  sequence: number;
  poison?: 'start_missing' | 'datetime_garbage';
}

/** One listed row: an event, or one instance of a recurring event. */
export interface Row {
  event: GEvent;
  /** Instance index for expanded recurring events. */
  instance?: number;
}

const TITLES = ['Standup', 'Planning', 'Customer call', '1:1', 'Design review', 'Retro', 'Demo', 'Interview', 'Offsite prep', 'Budget sync', 'Lunch & learn'];
const ROOMS = ['Room Bison', 'Room Prairie', 'Zoom', 'Google Meet', 'HQ 3rd floor', ''];
const PEOPLE = ['ada', 'alan', 'grace', 'edsger', 'barbara', 'ken', 'radia', 'donald'];
const ID_ALPHABET = 'abcdefghijklmnopqrstuv0123456789'; // base32hex, as Google event ids
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

/** A new event created at `created` (its start lies from 60 days before to 30 days after). */
export function makeEvent(rng: Rng, seq: number, created: number, poisonRate: number): GEvent {
  const allDay = rng.chance(0.1);
  const rawStart = created + rng.int(-60, 30) * 24 * HOUR + rng.int(8, 17) * HOUR;
  const startMs = allDay ? Math.floor(rawStart / (24 * HOUR)) * 24 * HOUR : Math.floor(rawStart / (15 * 60_000)) * 15 * 60_000;
  const ev: GEvent = {
    id: rng.chars(26, ID_ALPHABET),
    seq,
    version: 0,
    status: rng.chance(0.1) ? 'tentative' : 'confirmed',
    created,
    updated: created,
    summary: rng.pick(TITLES),
    description: rng.chance(0.5) ? 'Agenda in the doc.' : '',
    location: rng.pick(ROOMS),
    startMs,
    durationMs: allDay ? 24 * HOUR : rng.pick([15, 30, 45, 60, 90]) * 60_000,
    allDay,
    attendees: Array.from({ length: rng.int(0, 4) }, () => ({ email: `${rng.pick(PEOPLE)}@buffalo.example`, responseStatus: rng.pick(['needsAction', 'accepted', 'declined', 'tentative'] as const) })),
    sequence: 0,
  };
  if (!allDay && rng.chance(0.05)) ev.weeklyCount = rng.int(3, 10);
  if (rng.chance(poisonRate)) ev.poison = rng.pick(['start_missing', 'datetime_garbage'] as const);
  return ev;
}

/** Rows of the events: masters as-is, or recurring events expanded into instances. */
export function toRows(events: readonly GEvent[], singleEvents: boolean): Row[] {
  const rows: Row[] = [];
  for (const event of events) {
    if (singleEvents && event.weeklyCount) for (let i = 0; i < event.weeklyCount; i++) rows.push({ event, instance: i });
    else rows.push({ event });
  }
  return rows;
}

/** Start of a row (ms). */
export function rowStart(row: Row): number {
  return row.event.startMs + (row.instance ?? 0) * WEEK;
}

/** End of a row, counting all occurrences for an unexpanded recurring master. */
export function rowEnd(row: Row): number {
  const occurrences = row.instance === undefined && row.event.weeklyCount ? row.event.weeklyCount - 1 : 0;
  return rowStart(row) + occurrences * WEEK + row.event.durationMs;
}

/** The id a row is listed under. */
export function rowId(row: Row): string {
  if (row.instance === undefined) return row.event.id;
  return `${row.event.id}_${new Date(rowStart(row)).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
}

function etag(ev: GEvent): string {
  return `"${3_000_000_000_000_000 + ev.version * 1000 + (ev.seq % 1000)}"`;
}

function when(ms: number, allDay: boolean): { date: string } | { dateTime: string; timeZone: string } {
  return allDay ? { date: new Date(ms).toISOString().slice(0, 10) } : { dateTime: new Date(ms).toISOString().replace('.000Z', 'Z'), timeZone: 'UTC' };
}

/** The wire form of a row on `calendarId`. */
export function renderRow(row: Row, calendarId: string): Record<string, unknown> {
  const ev = row.event;
  const id = rowId(row);
  const instance = row.instance !== undefined ? { recurringEventId: ev.id, originalStartTime: when(rowStart(row), ev.allDay) } : {};
  if (ev.status === 'cancelled') return { kind: 'calendar#event', etag: etag(ev), id, status: 'cancelled', ...instance };
  const out: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: etag(ev),
    id,
    status: ev.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendarId}`).toString('base64url')}`,
    created: new Date(ev.created).toISOString(),
    updated: new Date(ev.updated).toISOString(),
    summary: ev.summary,
    ...(ev.description ? { description: ev.description } : {}),
    ...(ev.location ? { location: ev.location } : {}),
    creator: { email: calendarId, self: true },
    organizer: { email: calendarId, self: true },
    start: when(rowStart(row), ev.allDay),
    end: when(rowStart(row) + ev.durationMs, ev.allDay),
    ...(row.instance === undefined && ev.weeklyCount ? { recurrence: [`RRULE:FREQ=WEEKLY;COUNT=${ev.weeklyCount}`] } : {}),
    ...instance,
    iCalUID: `${ev.id}@google.com`,
    sequence: ev.sequence,
    ...(ev.attendees.length > 0 ? { attendees: ev.attendees } : {}),
    reminders: { useDefault: true },
    eventType: 'default',
  };
  if (ev.poison === 'start_missing') delete out.start;
  if (ev.poison === 'datetime_garbage') out.start = { dateTime: 'tomorrow-ish', timeZone: 'UTC' };
  return out;
}
