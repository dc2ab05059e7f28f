/**
 * Incremental read of one HubSpot object type through CRM search, sorted ascending by its
 * "last modified" property. Search pages by offset and stops at 10,000 results per query, and an
 * offset drifts when records change mid-read (a modified record jumps to the end, shifting the
 * rest under the offset). So each page starts a new time window instead: `GTE` the last
 * timestamp read, offset 0 — the window never nears the cap, a record modified meanwhile is met
 * again later, and the few records sharing that timestamp are re-read (content-hash dedupe makes
 * that free). Only a page made entirely of one timestamp pages on by offset within it. Each run
 * starts `overlapMs` before the checkpoint to absorb search-index lag.
 */
import { requestJson } from '../../resilience/index.ts';
import { StaleCursorError, type Page, type PageContext } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { encodeHubspotCursor, type HubspotCursor } from './cursor.ts';
import type { HubspotObject } from './objects.ts';
import { authOf, isRejectedCursor, type HubspotReadDeps } from './readList.ts';

/** Results one search query can page through (HubSpot answers 400 past it). */
export const SEARCH_RESULT_CAP = 10_000;

type SearchAnswer = { total?: number; results: Array<{ properties?: Record<string, unknown> }>; paging?: { next?: { after?: string } } };

/** Pages of records modified at or after the cursor's checkpoint. */
export async function* readSearch(deps: HubspotReadDeps, obj: HubspotObject, cursor: Extract<HubspotCursor, { phase: 'search' }>, ctx: PageContext): AsyncGenerator<Page> {
  // `since` is where the next query starts; the stored checkpoint never moves back behind the cursor's.
  let since = cursor.offset === 0 ? cursor.since - deps.overlapMs : cursor.since;
  let checkpoint = cursor.since;
  let offset = cursor.offset;
  let page = 0;
  for (;;) {
    throwIfAborted(ctx.signal);
    if (offset + deps.searchLimit > SEARCH_RESULT_CAP) {
      throw new Error(`hubspot ${obj.path}: more than ${SEARCH_RESULT_CAP} records share ${obj.modifiedProperty}=${new Date(since).toISOString()}; search cannot page past them`);
    }
    const body = {
      filterGroups: [{ filters: [{ propertyName: obj.modifiedProperty, operator: 'GTE', value: String(since) }] }],
      sorts: [{ propertyName: obj.modifiedProperty, direction: 'ASCENDING' }],
      properties: obj.properties,
      limit: deps.searchLimit,
      ...(offset > 0 ? { after: String(offset) } : {}),
    };
    let answer: SearchAnswer;
    try {
      ({ body: answer } = await requestJson<SearchAnswer>(
        deps.policy,
        { method: 'POST', url: new URL(`/crm/v3/objects/${obj.path}/search`, deps.baseUrl).toString(), ...authOf(deps), body },
        { stats: ctx.stats, signal: ctx.signal },
      ));
    } catch (err) {
      if (offset > 0 && isRejectedCursor(err)) throw new StaleCursorError(`hubspot rejected ${obj.path} search cursor after=${offset}`, { cause: err });
      throw err;
    }
    const results = answer.results;
    const records = results.map((r) => toRawRecord(obj.entity, r));
    const lastModified = modifiedAt(results[results.length - 1], obj.modifiedProperty);
    const done = results.length < deps.searchLimit || !answer.paging?.next;
    if (lastModified !== undefined && lastModified > since) {
      since = lastModified;
      offset = 0;
    } else {
      offset += results.length;
    }
    checkpoint = Math.max(checkpoint, since);
    // At the end the checkpoint is the newest timestamp read (offset 0: the next run re-reads it).
    const next: HubspotCursor = done || offset === 0 ? { v: 1, phase: 'search', since: checkpoint, offset: 0 } : { v: 1, phase: 'search', since, offset };
    ctx.onProgress?.({ entity: obj.entity, page: ++page, records: records.length });
    yield { records, cursorAfter: encodeHubspotCursor(next) };
    if (done) return;
  }
}

function modifiedAt(rec: { properties?: Record<string, unknown> } | undefined, prop: string): number | undefined {
  const raw = rec?.properties?.[prop];
  if (typeof raw !== 'string') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
}
