/**
 * The archived records of one HubSpot object type: `GET /crm/v3/objects/{type}?archived=true`.
 * HubSpot's delete archives a record (the recycle bin, purged after 90 days); archiving moves
 * neither the record's last-modified time nor its place in search, which never returns archived
 * records, so search cannot see a delete. The archived listing has no filter on when a record
 * was archived, so every run lists it whole after its own reads; records already seen archived
 * are unchanged content and deduplicated by the pipeline. Its pages store no cursor (the stream's
 * cursor stays where the live read left it): an interrupted listing is simply listed again.
 */
import type { Page, PageContext } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import type { HubspotObject } from './objects.ts';
import { listPage, type HubspotReadDeps } from './readList.ts';

/** Pages of archived records; `completesFullRead`: the listing ends a full read (./readList.ts). */
export async function* readArchived(deps: HubspotReadDeps, obj: HubspotObject, ctx: PageContext, completesFullRead: boolean): AsyncGenerator<Page> {
  let after: string | null = null;
  let page = 0;
  for (;;) {
    throwIfAborted(ctx.signal);
    const body = await listPage(deps, obj, after, true, ctx);
    const records = body.results.map((r) => toRawRecord(obj.entity, r));
    const next = body.paging?.next?.after ?? null;
    ctx.onProgress?.({ entity: obj.entity, page: ++page, records: records.length });
    yield { records, cursorAfter: null, ...(completesFullRead ? { fullRead: next ? {} : { complete: true } } : {}) };
    if (!next) return;
    after = next;
  }
}
