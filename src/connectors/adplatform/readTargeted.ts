/**
 * Targeted reads of the ad platform. It has no filter and no get-by-id, so both kinds run the
 * full listing (every page, paced by the policy) and keep only the campaigns the target names:
 * by id, or CREATED within the range (the platform keeps no modification time). The listing
 * still makes its per-campaign sync calls (the stream's own behaviour); only the named
 * campaigns' records are kept.
 */
import type { EntityStream, SyncTarget, TargetedReader } from '../contract.ts';
import { inRange } from '../targetRange.ts';

/** The ad-platform targeted reader over the connector's own listing stream. */
export function createAdplatformTargeted(stream: EntityStream): TargetedReader {
  const named = (target: SyncTarget, entity: string, payload: unknown): boolean => {
    const p = (payload ?? {}) as { id?: unknown; campaign_id?: unknown; created_at?: unknown };
    const id = entity === 'campaign' ? p.id : p.campaign_id;
    if (target.kind === 'id') return String(id) === target.id;
    return entity === 'campaign' && inRange(target, p.created_at);
  };
  return {
    refusal: () => null,
    async *pages(target, ctx) {
      ctx.note?.('the ad platform has no filter: the whole listing was read and only the named campaigns kept');
      for await (const page of stream.pages(null, 'full', ctx)) {
        yield { records: page.records.filter((r) => named(target, r.entity, r.payload)), cursorAfter: null };
      }
    },
  };
}
