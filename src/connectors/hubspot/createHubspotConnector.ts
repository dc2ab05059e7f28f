/**
 * The HubSpot connector: streams 'deal' and 'contact' (CRM v3), through requestJson with the
 * private-app bearer token. Full: list endpoint with `after` paging; incremental: search on the
 * last-modified property (./readSearch.ts). Cursor format: ./cursor.ts. A cursor HubSpot rejects
 * (400 on `after`) is a StaleCursorError.
 *
 * Modes: 'full' starts a fresh backfill unless the cursor is a backfill in progress (then it
 * resumes); 'incremental' searches from the checkpoint, or runs/resumes the backfill when there
 * is none yet. Either way the stream then lists the archived records (./readArchived.ts), the
 * only way HubSpot shows a delete; after a backfill that listing completes its full read.
 */
import { systemClock, type Clock, type TokenProvider, type UpstreamPolicy } from '../../resilience/index.ts';
import type { Connector, EntityStream } from '../contract.ts';
import { decodeHubspotCursor } from './cursor.ts';
import { createHubspotNormalizer } from './normalize.ts';
import { CONTACTS, DEALS, type HubspotObject } from './objects.ts';
import { readArchived } from './readArchived.ts';
import { readList, type HubspotReadDeps } from './readList.ts';
import { readSearch } from './readSearch.ts';
import { createHubspotTargeted } from './readTargeted.ts';

/** What the HubSpot connector needs. */
export interface HubspotConnectorDeps {
  accessToken: string;
  /** OAuth tokens (a connection made through the connect flow): they expire and are refreshed by this provider, used instead of `accessToken`. */
  tokenProvider?: TokenProvider;
  /** Base URL (the sandbox, or unset for api.hubapi.com). */
  apiBase?: string;
  policy: UpstreamPolicy;
  clock?: Clock;
  /** Currency of deals without deal_currency_code (the portal's company currency). Default USD. */
  defaultCurrency?: string;
  /** Page sizes (defaults: HubSpot's maxima, 100 for lists and 200 for search). */
  listLimit?: number;
  searchLimit?: number;
  /** Re-read before the checkpoint at the start of each incremental run. Default 5 minutes. */
  overlapMs?: number;
}

/** Build the HubSpot connector. */
export function createHubspotConnector(deps: HubspotConnectorDeps): Connector {
  const read: HubspotReadDeps = {
    baseUrl: deps.apiBase ?? 'https://api.hubapi.com',
    accessToken: deps.accessToken,
    ...(deps.tokenProvider ? { tokens: deps.tokenProvider } : {}),
    policy: deps.policy,
    clock: deps.clock ?? systemClock,
    listLimit: Math.min(100, deps.listLimit ?? 100),
    searchLimit: Math.min(200, deps.searchLimit ?? 200),
    overlapMs: deps.overlapMs ?? 5 * 60_000,
  };
  const streamOf = (obj: HubspotObject): EntityStream => ({
    entity: obj.entity,
    async *pages(cursorText, mode, ctx) {
      const cursor = decodeHubspotCursor(cursorText, obj.entity);
      const searching = cursor?.phase === 'search' && mode === 'incremental';
      if (cursor?.phase === 'list') yield* readList(read, obj, cursor, ctx);
      else if (cursor && searching) yield* readSearch(read, obj, cursor, ctx);
      else yield* readList(read, obj, { v: 1, phase: 'list', after: null, startedAt: read.clock.now() }, ctx);
      yield* readArchived(read, obj, ctx, !searching);
    },
  });
  const normalizer = createHubspotNormalizer(deps.defaultCurrency ? { defaultCurrency: deps.defaultCurrency } : {});
  return { source: 'hubspot', streams: [streamOf(DEALS), streamOf(CONTACTS)], normalize: normalizer.normalize, unmappedStatus: normalizer.unmappedStatus, targeted: createHubspotTargeted(read) };
}
