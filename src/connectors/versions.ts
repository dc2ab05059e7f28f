/**
 * Upstream versions: the text that orders two states of one unified row. Versions of one row are
 * compared as plain byte strings (PostgreSQL `COLLATE "C"`, JavaScript `<`), so every rule below
 * is encoded in the string itself:
 *
 *   <16-digit epoch ms>                 a modification time (HubSpot, Google) or a read time
 *   <16-digit epoch ms>:<event id>      a Stripe event
 *
 * A shorter string that is a prefix of a longer one sorts first, so a read and an event stamped
 * with the same millisecond order the event after the read (see stripeEventVersion).
 */

const DIGITS = 16;

/** A version from an instant (ISO text or epoch ms); null when the instant is unreadable. */
export function timeVersion(at: string | number): string | null {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms) || ms < 0) return null;
  return String(Math.floor(ms)).padStart(DIGITS, '0');
}

/**
 * The version of a Stripe event. Stripe's `created` has second resolution: the change happened
 * somewhere in that second, so the event is placed at its last millisecond. A list read that
 * started in the same second therefore counts as older (it may not have seen the change), while
 * a read started in a later second counts as newer (it saw at least this state). Two events of
 * one second are ordered by id: arbitrary, but the same answer for every processor.
 */
export function stripeEventVersion(created: number, eventId: string): string {
  return `${String(created * 1000 + 999).padStart(DIGITS, '0')}:${eventId}`;
}

/**
 * How far a Stripe list read's version is set back from the moment the request was sent: our
 * clock against Stripe's, so a read never claims to have seen an event it may have missed.
 */
export const STRIPE_READ_SKEW_MS = 1000;

/** The version of a Stripe list read whose request was sent at `sentAtMs` (our clock). */
export function stripeReadVersion(sentAtMs: number): string | null {
  return timeVersion(Math.max(0, sentAtMs - STRIPE_READ_SKEW_MS));
}

/**
 * Whether a state at `incoming` may replace one at `stored`: the newest wins, equal versions
 * re-apply (idempotent), and an unknown version never replaces a known one (it only replaces
 * another unknown one). The upsert statements apply the same rule in SQL.
 */
export function mayReplace(incoming: string | null | undefined, stored: string | null | undefined): boolean {
  if (stored === null || stored === undefined) return true;
  if (incoming === null || incoming === undefined) return false;
  return incoming >= stored;
}
