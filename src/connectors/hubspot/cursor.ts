/**
 * Cursors of the HubSpot 'deal' and 'contact' streams (JSON):
 *
 *   {"v":1,"phase":"list","after":"…"|null,"startedAt":<ms>}    full backfill via the list endpoint;
 *                                                              `after` = paging.next.after of the next page
 *   {"v":1,"phase":"search","since":<ms>,"offset":<n>}           incremental via search: records modified
 *                                                              at or after `since`, skipping `offset`
 *
 * A backfill ends by switching to `search` from the time it started, so changes made while it ran
 * are read by the next incremental run.
 */
import { z } from 'zod';
import { parseCursor } from '../parseCursor.ts';

const cursorSchema = z.discriminatedUnion('phase', [
  z.object({ v: z.literal(1), phase: z.literal('list'), after: z.string().nullable(), startedAt: z.number().int() }),
  z.object({ v: z.literal(1), phase: z.literal('search'), since: z.number().int(), offset: z.number().int().nonnegative() }),
]);
/** A decoded HubSpot cursor. */
export type HubspotCursor = z.infer<typeof cursorSchema>;

/** Decode a stored cursor of `entity`'s stream; null for none, StaleCursorError for one this version cannot read. */
export function decodeHubspotCursor(text: string | null, entity: string): HubspotCursor | null {
  return parseCursor(cursorSchema, text, `hubspot ${entity}`);
}

/** Encode a cursor for storage. */
export function encodeHubspotCursor(c: HubspotCursor): string {
  return JSON.stringify(c);
}
