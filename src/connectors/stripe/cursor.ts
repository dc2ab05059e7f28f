/**
 * The cursor of the Stripe 'charge' stream (JSON, one for both modes):
 *
 *   {"v":1,"phase":"charges","startingAfter":"ch_…"|null,"anchor":{…}}   backfill, listing charges
 *   {"v":1,"phase":"refunds","startingAfter":"re_…"|null,"anchor":{…}}   backfill, listing refunds
 *   {"v":1,"phase":"events","anchor":{…}}                                 incremental, Events API
 *
 * `anchor` is the Events API position: `lastEventId`/`lastEventCreated` of the newest event
 * stored (null before any), `recent` the last few event ids (newest first; the next read starts
 * after the oldest of them, re-reading a small overlap), and `since` (unix s) used only when no
 * event existed yet. A backfill records the anchor as of its START, so the incremental reads that
 * follow it replay every change made while it ran (dedupe makes the replay free); a crash during
 * a backfill resumes it from `startingAfter` (the last id of the committed page).
 */
import { z } from 'zod';
import { parseCursor } from '../parseCursor.ts';

const anchorSchema = z.object({
  lastEventId: z.string().nullable(),
  lastEventCreated: z.number().int().nullable(),
  recent: z.array(z.string()).max(10).default([]),
  since: z.number().int(),
});
/** Events API position. */
export type EventAnchor = z.infer<typeof anchorSchema>;

const cursorSchema = z.discriminatedUnion('phase', [
  z.object({ v: z.literal(1), phase: z.literal('charges'), startingAfter: z.string().nullable(), anchor: anchorSchema }),
  z.object({ v: z.literal(1), phase: z.literal('refunds'), startingAfter: z.string().nullable(), anchor: anchorSchema }),
  z.object({ v: z.literal(1), phase: z.literal('events'), anchor: anchorSchema }),
]);
/** The decoded cursor. */
export type StripeCursor = z.infer<typeof cursorSchema>;

/** How many recent event ids the cursor keeps (the overlap re-read on the next run). */
export const OVERLAP_EVENTS = 3;

/** Decode a stored cursor; null for none, StaleCursorError for one this version cannot read. */
export function decodeStripeCursor(text: string | null): StripeCursor | null {
  return parseCursor(cursorSchema, text, 'stripe');
}

/** Encode a cursor for storage. */
export function encodeStripeCursor(c: StripeCursor): string {
  return JSON.stringify(c);
}

/** The anchor after reading `newestFirst` events (a page of the Events API, newest first). */
export function advanceAnchor(anchor: EventAnchor, newestFirst: ReadonlyArray<{ id: string; created: number }>): EventAnchor {
  const newest = newestFirst[0];
  if (!newest) return anchor;
  const recent = [...newestFirst.map((e) => e.id), ...anchor.recent].filter((id, i, all) => all.indexOf(id) === i).slice(0, OVERLAP_EVENTS);
  return { ...anchor, lastEventId: newest.id, lastEventCreated: newest.created, recent };
}
