/**
 * Full read of one HubSpot object type: `GET /crm/v3/objects/{type}?limit=100&after=…`; each
 * page's cursor is the `after` of the next page, and the last page switches the stream to
 * incremental search from the time the backfill started. The full read then lists the archived
 * records too (./readArchived.ts) and completes with their last page: a record in neither
 * listing is gone (purged from the recycle bin).
 */
import { requestJson, UpstreamHttpError, type Clock, type JsonRequest, type TokenProvider, type UpstreamPolicy } from '../../resilience/index.ts';
import { StaleCursorError, type FullReadMark, type Page, type PageContext } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { encodeHubspotCursor, type HubspotCursor } from './cursor.ts';
import type { HubspotObject } from './objects.ts';
import { timeVersion } from '../versions.ts';

/** What reading HubSpot needs. */
export interface HubspotReadDeps {
  baseUrl: string;
  accessToken: string;
  /** OAuth tokens that expire: asked for each call (and refreshed after a 401 expired) instead of `accessToken`. */
  tokens?: TokenProvider;
  policy: UpstreamPolicy;
  clock: Clock;
  /** List page size (≤ 100) and search page size (≤ 200). */
  listLimit: number;
  searchLimit: number;
  /** Re-read this much before the checkpoint at the start of each incremental run. */
  overlapMs: number;
}

/** How a call authenticates: the OAuth token provider when there is one, else the fixed private-app token. */
export function authOf(deps: Pick<HubspotReadDeps, 'accessToken' | 'tokens'>): Pick<JsonRequest, 'headers' | 'token'> {
  return deps.tokens ? { token: deps.tokens } : { headers: { authorization: `Bearer ${deps.accessToken}` } };
}

/** One answer of the list endpoint. */
export type ListAnswer = { results: unknown[]; paging?: { next?: { after?: string } } };

/** True for HubSpot's 400 answer to a paging cursor it does not accept. */
export function isRejectedCursor(err: unknown): boolean {
  if (!(err instanceof UpstreamHttpError) || err.status !== 400) return false;
  const text = JSON.stringify(err.body ?? '');
  return /cursor|"in":"after"/i.test(text) && !/limited to/i.test(text);
}

/** One page of the list endpoint (`archived`: the recycle bin's listing). */
export async function listPage(deps: HubspotReadDeps, obj: HubspotObject, after: string | null, archived: boolean, ctx: PageContext): Promise<ListAnswer> {
  const url = new URL(`/crm/v3/objects/${obj.path}`, deps.baseUrl);
  url.searchParams.set('limit', String(deps.listLimit));
  url.searchParams.set('properties', obj.properties.join(','));
  if (archived) url.searchParams.set('archived', 'true');
  if (after) url.searchParams.set('after', after);
  try {
    return (await requestJson<ListAnswer>(deps.policy, { url: url.toString(), ...authOf(deps) }, { stats: ctx.stats, signal: ctx.signal })).body;
  } catch (err) {
    if (after && isRejectedCursor(err)) throw new StaleCursorError(`hubspot rejected ${obj.path} paging cursor after=${after}`, { cause: err });
    throw err;
  }
}

/** Pages of the list endpoint from `cursor`, each marked as part of a full read (the first one of a fresh read starts it). */
export async function* readList(deps: HubspotReadDeps, obj: HubspotObject, cursor: Extract<HubspotCursor, { phase: 'list' }>, ctx: PageContext): AsyncGenerator<Page> {
  let after = cursor.after;
  let page = 0;
  for (;;) {
    throwIfAborted(ctx.signal);
    // A fresh read starts at the time it was begun (HubSpot's versions are modification times).
    const fullRead: FullReadMark = after === null ? { start: { version: timeVersion(cursor.startedAt) } } : {};
    const body = await listPage(deps, obj, after, false, ctx);
    const records = body.results.map((r) => toRawRecord(obj.entity, r));
    const next = body.paging?.next?.after;
    const cursorAfter: HubspotCursor = next
      ? { v: 1, phase: 'list', after: next, startedAt: cursor.startedAt }
      : { v: 1, phase: 'search', since: cursor.startedAt, offset: 0 };
    ctx.onProgress?.({ entity: obj.entity, page: ++page, records: records.length });
    yield { records, cursorAfter: encodeHubspotCursor(cursorAfter), fullRead };
    if (!next) return;
    after = next;
  }
}
