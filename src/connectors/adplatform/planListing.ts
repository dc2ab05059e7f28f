/**
 * How far to trust the ad platform's paging (pure). The platform numbers a page's campaigns from
 * the page and limit it is asked for and answers `has_more` as if every client used its default
 * page size of 10, so a client asking 100 per page and trusting `has_more` walks ten pages and
 * is served 900 made-up campaigns past the end (and one asking 5 per page is told has_more=false
 * half-way). Its `pagination.total` is the honest figure: the listing is complete once
 * page × limit reaches it (or a page comes back empty), whatever `has_more` claims, and anything
 * served past it is left out (never stored, never synced). The limit used is the one the
 * platform reports (a platform that caps the page size says so), and a total that changes
 * between pages (campaigns added or removed meanwhile) restarts the listing, a bounded number
 * of times. Every such decision becomes a note in the run report.
 */

/** Where a listing stands between pages (also what the stream's cursor keeps). */
export interface ListingPosition {
  /** The page to fetch next (1-based). */
  page: number;
  /** The page size to ask for. */
  limit: number;
  /** The platform's total as first seen in this listing; undefined until a page reported one. */
  total?: number | undefined;
  /** Restarts so far because the total changed. */
  restarts: number;
  /**
   * The total changed after the last restart allowed: pages may have shifted under the listing,
   * so a campaign may have been skipped and the listing cannot tell what is gone.
   */
  unsettled?: boolean | undefined;
}

/** The pagination block of one answer, as far as it could be read. */
export interface ServedPagination {
  limit?: number | undefined;
  total?: number | undefined;
  has_more?: boolean | undefined;
}

/** What to do with one answer. */
export interface ListingStep {
  /** How many of the page's records to keep (the first ones; the rest lie past the total). */
  keep: number;
  /** The position to continue from, or null when the listing is complete. */
  next: ListingPosition | null;
  /** Sentences for the run report. */
  notes: string[];
  /**
   * Set when the listing is complete: true when every campaign within the total was listed once
   * (what is not listed is gone), false when the total kept changing under it.
   */
  settled?: boolean;
}

/** Restarts allowed when the total keeps changing; after that the listing goes on with the latest total. */
export const MAX_RESTARTS = 3;

/** Decide about the answer to `at` that carried `count` records and `served` pagination. */
export function planListing(from: ListingPosition, count: number, served: ServedPagination): ListingStep {
  let at = from;
  const notes: string[] = [];
  const total = served.total;
  const hasMore = served.has_more === true;
  // The page size the platform actually used: what it reports, else what a short page proves.
  let limit = served.limit !== undefined && served.limit >= 1 ? served.limit : at.limit;
  if (served.limit === undefined && count > 0 && count < at.limit && (hasMore || (total !== undefined && at.page * count < total))) limit = count;
  if (limit < at.limit) notes.push(`the platform serves at most ${limit} campaigns per page (asked ${at.limit}); paging continued at ${limit}`);

  if (total === undefined) {
    const more = hasMore && count > 0;
    return { keep: count, next: more ? { page: at.page + 1, limit, restarts: at.restarts } : null, notes };
  }
  if (at.total !== undefined && total !== at.total) {
    if (at.restarts < MAX_RESTARTS) {
      notes.push(`the platform's total changed from ${at.total} to ${total} during the listing (page ${at.page}); listing restarted from page 1`);
      return { keep: 0, next: { page: 1, limit, total, restarts: at.restarts + 1 }, notes };
    }
    notes.push(`the platform's total kept changing (last ${at.total} → ${total}); after ${MAX_RESTARTS} restarts the listing went on with the latest total`);
    at = { ...at, unsettled: true };
  }
  const offset = (at.page - 1) * limit;
  const keep = Math.max(0, Math.min(count, total - offset));
  if (keep < count) notes.push(`left out ${count - keep} campaign(s) the platform served past its own total of ${total} (page ${at.page}, limit ${limit})`);
  const complete = count === 0 || offset + limit >= total;
  if (complete && hasMore) notes.push(`stopped paging at page ${at.page}: the platform's total of ${total} was reached although it answered has_more=true`);
  // has_more is as wrong below the platform's default page size as above it: with 5 per page it
  // says false after page 10, half-way. The total decides in both directions (an empty page ends
  // the listing, so a wrong total cannot make it run forever).
  if (!complete && !hasMore) notes.push(`the platform answered has_more=false at page ${at.page} with ${offset + count} of its total of ${total} listed; paging went on to the total`);
  const next = complete ? null : { page: at.page + 1, limit, total, restarts: at.restarts, ...(at.unsettled ? { unsettled: true } : {}) };
  return { keep, next, notes, ...(complete ? { settled: !at.unsettled } : {}) };
}
