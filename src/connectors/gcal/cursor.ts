/**
 * Cursor of the Google Calendar 'event' stream (JSON):
 *
 *   {"v":1,"syncToken":"…"|null,"pageToken":"…"|null}
 *
 * `pageToken` set: a listing in progress (full when `syncToken` is null, else incremental from
 * that sync token) — a crash resumes the paging. `pageToken` null: the listing finished and
 * `syncToken` is Google's nextSyncToken from its last page (the only page that carries one).
 */
import { z } from 'zod';
import { parseCursor } from '../parseCursor.ts';

const cursorSchema = z.object({ v: z.literal(1), syncToken: z.string().min(1).nullable(), pageToken: z.string().min(1).nullable() });
/** A decoded calendar cursor. */
export type GcalCursor = z.infer<typeof cursorSchema>;

/** Decode a stored cursor; null for none, StaleCursorError for one this version cannot read. */
export function decodeGcalCursor(text: string | null): GcalCursor | null {
  return parseCursor(cursorSchema, text, 'calendar');
}

/** Encode a cursor for storage. */
export function encodeGcalCursor(c: GcalCursor): string {
  return JSON.stringify(c);
}
