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

const cursorSchema = z.object({ v: z.literal(1), syncToken: z.string().min(1).nullable(), pageToken: z.string().min(1).nullable() });
/** A decoded calendar cursor. */
export type GcalCursor = z.infer<typeof cursorSchema>;

/** Decode a stored cursor; null for none, undefined for one this version cannot read (→ stale). */
export function decodeGcalCursor(text: string | null): GcalCursor | null | undefined {
  if (text === null) return null;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Encode a cursor for storage. */
export function encodeGcalCursor(c: GcalCursor): string {
  return JSON.stringify(c);
}
