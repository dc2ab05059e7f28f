/**
 * The ad-platform connector: one stream, 'campaign'.
 *
 * Auth: `POST /auth/token` with Basic email:password (from config, never literals) → a bearer
 * token with `expires_in`, cached by the kit's token provider (refreshed before expiry and after
 * a 401 "Token expired", one refresh in flight). Every call carries `X-Client-Id`.
 *
 * Paging: `GET /api/campaigns?page&limit` until the platform's own `pagination.total` is
 * reached — its `has_more` is not to be trusted and campaigns served past the total are made up
 * (./planListing.ts; what was decided goes to the run report's notes). 100 per page: one
 * request lists the platform's 100 campaigns where its default of 10 takes ten. Cursor
 * `{"v":1,"nextPage":n,"limit":l,"total":t}` — the page to fetch next with the page size and
 * total it was computed with, so a crash resumes the listing; the last page stores
 * `nextPage: 1` (the platform has no change feed: every run, full or incremental, lists
 * everything). Each listed campaign is queued for `POST /api/campaigns/:id/sync` in the
 * background (./runSyncCalls.ts); finished calls ride along with the next list page, then arrive
 * in pages of their own (cursor null) as they complete. A call that fails after retries becomes a
 * 'campaign_sync_failed' record (durable in the outbox) and is logged with its id.
 *
 * Deletes: the platform has no delete feed, but every listing is a full read. A listing that
 * reaches the platform's total with the total unchanged (settled, ./planListing.ts) completes it,
 * and the pipeline marks deleted the campaigns it no longer lists; an interrupted listing, or one
 * whose total kept changing under it (pages may have shifted), deletes nothing.
 */
import { z } from 'zod';
import type { Logger } from '../../log.ts';
import { silentLogger } from '../../log.ts';
import { createTokenProvider, mergeCallStats, newCallStats, requestJson, systemClock, type Clock, type JsonRequest, type TokenProvider, type TokenProviderFactory, type UpstreamPolicy } from '../../resilience/index.ts';
import type { Connector, EntityStream, Page, PageContext, RawRecord } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { normalizeAdplatform } from './normalize.ts';
import { trackTokenRefreshes } from '../tokenRefreshes.ts';
import { timeVersion } from '../versions.ts';
import { planListing, type ListingPosition } from './planListing.ts';
import { createAdplatformTargeted } from './readTargeted.ts';
import { createSyncCalls } from './runSyncCalls.ts';

/** What the ad-platform connector needs. */
export interface AdplatformConnectorDeps {
  apiUrl: string;
  email: string;
  password: string;
  clientId?: string;
  policy: UpstreamPolicy;
  clock?: Clock;
  logger?: Logger;
  /** Campaigns asked per list page (default 100; a platform that serves fewer says so and is followed). */
  pageSize?: number;
  /** Sync calls in flight at once (below the policy's own bulkhead). Default 3. */
  syncConcurrency?: number;
  /** Refresh a token this long before it expires (capped at half its lifetime). Default 60 s. */
  refreshBeforeMs?: number;
  /** Makes the token cache (default: this process's); one shared by every process logs in once for all. */
  tokenProviderFactory?: TokenProviderFactory;
}

const DEFAULT_PAGE_SIZE = 100;
const count = z.number().int().nonnegative();
const cursorSchema = z.object({
  v: z.literal(1), nextPage: z.number().int().min(1), limit: z.number().int().min(1).optional(), total: count.optional(), restarts: count.optional(), unsettled: z.boolean().optional(),
});
const listSchema = z.object({
  data: z.array(z.unknown()),
  pagination: z.object({ has_more: z.boolean().optional(), total: count.optional(), limit: z.number().int().min(1).optional() }),
});
const tokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

/** Build the ad-platform connector. */
export function createAdplatformConnector(deps: AdplatformConnectorDeps): Connector {
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? silentLogger).child({ connector: 'adplatform' });
  const base = deps.apiUrl.replace(/\/+$/, '');
  const clientHeader: Record<string, string> = deps.clientId ? { 'x-client-id': deps.clientId } : {};
  const basic = `Basic ${Buffer.from(`${deps.email}:${deps.password}`).toString('base64')}`;

  const token: TokenProvider = (deps.tokenProviderFactory ?? createTokenProvider)(
    async () => {
      const res = await requestJson(deps.policy, { method: 'POST', url: `${base}/auth/token`, headers: { ...clientHeader, authorization: basic } });
      const body = tokenSchema.parse(res.body);
      return { token: body.access_token, expiresInMs: body.expires_in * 1000 };
    },
    { clock, refreshBeforeMs: deps.refreshBeforeMs ?? 60_000 },
  );

  // requestJson counts only forced (401) refreshes; the run counts every token fetch after the
  // first login instead (see tokenRefreshes below), so per-call stats are merged without it.
  async function call<T>(req: JsonRequest, ctx: Pick<PageContext, 'stats' | 'signal'>): Promise<T> {
    const own = newCallStats();
    try {
      return (await requestJson<T>(deps.policy, { ...req, headers: { ...clientHeader, ...req.headers }, token }, { stats: own, signal: ctx.signal })).body;
    } finally {
      mergeCallStats(ctx.stats, { ...own, tokenRefreshes: 0 });
    }
  }

  // The listing; `wanted` says which listed campaigns get their sync call (a targeted read syncs
  // only the campaigns it names, not the whole account).
  async function* listing(cursorText: string | null, ctx: PageContext, wanted: (r: RawRecord) => boolean = () => true): AsyncGenerator<Page> {
    const parsed = cursorText === null ? null : cursorSchema.safeParse(safeJson(cursorText));
    const pageSize = Math.max(1, deps.pageSize ?? DEFAULT_PAGE_SIZE);
    const stored = parsed?.success ? parsed.data : undefined;
    let at: ListingPosition = stored
      ? { page: stored.nextPage, limit: stored.limit ?? pageSize, total: stored.total, restarts: stored.restarts ?? 0, unsettled: stored.unsettled }
      : { page: 1, limit: pageSize, restarts: 0 };
    // A listing from its first page (not one resumed after a crash) starts a full read.
    let fresh = at.page === 1 && at.total === undefined && at.restarts === 0;
    const countRefreshes = trackTokenRefreshes(token, ctx.stats);
    const syncs = createSyncCalls(
      async (id) => {
        const body = await call<{ synced_at?: unknown }>({ method: 'POST', url: `${base}/api/campaigns/${encodeURIComponent(id)}/sync` }, ctx);
        return typeof body?.synced_at === 'string' ? body.synced_at : new Date(clock.now()).toISOString();
      },
      {
        concurrency: Math.max(1, deps.syncConcurrency ?? 3),
        now: () => clock.now(),
        onFailure: (id, err) => logger.warn({ event: 'campaign_sync_failed', campaignId: id, err: describe(err) }, `campaign ${id} sync call failed after retries`),
      },
    );
    let pageNo = 0;
    try {
      for (;;) {
        throwIfAborted(ctx.signal);
        const url = `${base}/api/campaigns?page=${at.page}&limit=${at.limit}`;
        // The platform has no modification time: a campaign's version is when it was listed.
        const version = timeVersion(clock.now());
        const list = listSchema.parse(await call<unknown>({ url }, ctx));
        const step = planListing(at, list.data.length, list.pagination);
        for (const text of step.notes) {
          ctx.note?.(text);
          // The run logs its notes ('run note'); this line only adds the page.
          logger.debug({ event: 'listing_note', page: at.page }, text);
        }
        // Only what lies within the platform's total: made-up campaigns are neither stored nor synced.
        const records: RawRecord[] = list.data.slice(0, step.keep).map((c) => ({ ...toRawRecord('campaign', c), version }));
        for (const r of records) if (!r.externalId.startsWith('missing-id:') && wanted(r)) syncs.add(r.externalId);
        countRefreshes();
        ctx.onProgress?.({ entity: 'campaign', page: ++pageNo, records: records.length });
        const next = step.next;
        const cursorAfter = next
          ? { v: 1, nextPage: next.page, limit: next.limit, ...(next.total !== undefined ? { total: next.total } : {}), restarts: next.restarts, ...(next.unsettled ? { unsettled: true } : {}) }
          : { v: 1, nextPage: 1 };
        const fullRead = { ...(fresh ? { start: { version } } : {}), ...(step.settled ? { complete: true } : {}) };
        fresh = false;
        yield { records: [...records, ...syncs.take()], cursorAfter: JSON.stringify(cursorAfter), fullRead };
        if (!next) break;
        at = next;
      }
      while (await syncs.next()) {
        throwIfAborted(ctx.signal);
        const records = syncs.take();
        if (records.length === 0) continue;
        countRefreshes();
        ctx.onProgress?.({ entity: 'campaign_sync', page: ++pageNo, records: records.length });
        yield { records, cursorAfter: null };
      }
      const failed = syncs.failedIds();
      if (failed.length > 0) logger.warn({ event: 'campaign_sync_failures', count: failed.length, campaignIds: failed }, `${failed.length} campaign sync call(s) failed after retries`);
    } finally {
      syncs.stop();
      countRefreshes();
    }
  }

  const stream: EntityStream = {
    entity: 'campaign',
    entities: ['campaign', 'campaign_sync', 'campaign_sync_failed'],
    pages: (cursorText, _mode, ctx) => listing(cursorText, ctx),
  };

  return { source: 'adplatform', streams: [stream], normalize: normalizeAdplatform, targeted: createAdplatformTargeted(listing) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
