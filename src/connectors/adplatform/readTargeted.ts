/**
 * Targeted reads of the ad platform. It has no filter and no get-by-id, so both kinds run the
 * full listing (every page, paced by the policy) and keep only the campaigns the target names:
 * by id, or CREATED within the range (the platform keeps no modification time). Only the named
 * campaigns get their sync call: the others are listed, never synced.
 */
import type { Page, PageContext, RawRecord, SyncTarget, TargetedReader } from '../contract.ts';
import { inRange } from '../targetRange.ts';

/** The connector's listing from `cursor`, syncing only the campaigns `wanted` accepts. */
export type CampaignListing = (cursor: string | null, ctx: PageContext, wanted: (r: RawRecord) => boolean) => AsyncIterable<Page>;

/** The ad-platform targeted reader over the connector's own listing. */
export function createAdplatformTargeted(listing: CampaignListing): TargetedReader {
  const named = (target: SyncTarget, entity: string, payload: unknown): boolean => {
    const p = (payload ?? {}) as { id?: unknown; campaign_id?: unknown; created_at?: unknown };
    const id = entity === 'campaign' ? p.id : p.campaign_id;
    if (target.kind === 'id') return String(id) === target.id;
    return entity === 'campaign' && inRange(target, p.created_at);
  };
  return {
    refusal: () => null,
    async *pages(target, ctx) {
      ctx.note?.('the ad platform has no filter: the whole listing was read and only the named campaigns kept and synced');
      // Pages are re-made without the listing's cursor and full-read marks: a targeted read
      // neither moves the cursor nor completes a full read (which would mark the rest deleted).
      for await (const page of listing(null, ctx, (r) => named(target, r.entity, r.payload))) {
        yield { records: page.records.filter((r) => named(target, r.entity, r.payload)), cursorAfter: null };
      }
    },
  };
}
