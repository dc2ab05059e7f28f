/**
 * The Google Calendar connector: one stream, 'event', over
 * `GET /calendar/v3/calendars/{id}/events?singleEvents=true&showDeleted=true` (deleted events
 * are asked for in full listings too, so a backfill after a lost sync token still learns about
 * cancellations). Paging by pageToken/nextPageToken; the nextSyncToken of the last page is the
 * next incremental run's start. 410 fullSyncRequired (or a rejected page token) → StaleCursorError.
 * Cursor format: ./cursor.ts. Auth: ./createGcalTokenProvider.ts.
 *
 * Deletes: a cancelled event is a deleted one (./normalize.ts). A listing without a sync token
 * (the first run, a full run, the backfill after a 410) is a full read: when it completes, events
 * it no longer returns at all (Google forgets deleted events after a while, so a token that
 * expired across a delete may never show it) are marked deleted by the pipeline.
 */
import { requestJson, systemClock, UpstreamHttpError, type Clock, type TokenProvider, type UpstreamPolicy } from '../../resilience/index.ts';
import { StaleCursorError, type Connector, type EntityStream, type PageContext, type RawRecord } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { trackTokenRefreshes } from '../tokenRefreshes.ts';
import { timeVersion } from '../versions.ts';
import { createServiceAccountTokens, createStaticToken, GOOGLE_TOKEN_URI } from './createGcalTokenProvider.ts';
import { decodeGcalCursor, encodeGcalCursor, type GcalCursor } from './cursor.ts';
import { createGcalNormalizer } from './normalize.ts';
import { createGcalTargeted } from './readTargeted.ts';

/** What the calendar connector needs. */
export interface GcalConnectorDeps {
  calendarId: string;
  /** Base URL (the sandbox, or unset for www.googleapis.com). */
  apiBase?: string;
  policy: UpstreamPolicy;
  /** Service account; without one a static dev token is sent (the sandbox accepts any bearer). */
  serviceAccount?: { clientEmail: string; privateKey: string; tokenUri?: string };
  /** A user's OAuth tokens (a connection made through the connect flow), refreshed by this provider; wins over `serviceAccount`. */
  oauth?: TokenProvider;
  clock?: Clock;
  /** Events per page (Google's maximum is 2500; default 250). */
  pageSize?: number;
}

type EventsAnswer = { items?: unknown[]; nextPageToken?: string; nextSyncToken?: string; updated?: unknown };

/** Build the calendar connector. */
export function createGcalConnector(deps: GcalConnectorDeps): Connector {
  const clock = deps.clock ?? systemClock;
  const base = (deps.apiBase ?? 'https://www.googleapis.com').replace(/\/+$/, '');
  const refreshable = Boolean(deps.oauth ?? deps.serviceAccount);
  const tokens: TokenProvider = deps.oauth ?? (deps.serviceAccount
    ? createServiceAccountTokens({ ...deps.serviceAccount, tokenUri: deps.serviceAccount.tokenUri ?? GOOGLE_TOKEN_URI }, deps.policy, clock)
    : createStaticToken('buffalo-sandbox-dev-token'));

  // Google answers an expired access token with 401 authError ("Invalid Credentials", not
  // "expired"), so any 401 gets one fresh token before it counts as a failure. The token is
  // taken when each attempt is sent (requestJson), after its rate-limit and retry waits.
  async function list(url: string, ctx: Pick<PageContext, 'stats' | 'signal'>): Promise<EventsAnswer> {
    const refreshOn = (err: UpstreamHttpError) => refreshable && err.status === 401;
    return (await requestJson<EventsAnswer>(deps.policy, { url, token: tokens, refreshOn }, { stats: ctx.stats, signal: ctx.signal })).body;
  }

  const stream: EntityStream = {
    entity: 'event',
    async *pages(cursorText, mode, ctx) {
      const stored = decodeGcalCursor(cursorText);
      // full: a fresh listing unless a full listing is in progress; incremental: resume or continue.
      let c: GcalCursor = stored && (mode === 'incremental' || (stored.pageToken && !stored.syncToken)) ? stored : { v: 1, syncToken: null, pageToken: null };
      const fullRead = c.syncToken === null;
      let fresh = fullRead && c.pageToken === null;
      const countRefreshes = trackTokenRefreshes(tokens, ctx.stats);
      let page = 0;
      try {
        for (;;) {
          throwIfAborted(ctx.signal);
          const url = new URL(`${base}/calendar/v3/calendars/${encodeURIComponent(deps.calendarId)}/events`);
          url.searchParams.set('singleEvents', 'true');
          url.searchParams.set('showDeleted', 'true');
          url.searchParams.set('maxResults', String(deps.pageSize ?? 250));
          if (c.syncToken) url.searchParams.set('syncToken', c.syncToken);
          if (c.pageToken) url.searchParams.set('pageToken', c.pageToken);
          let answer: EventsAnswer;
          const readAt = clock.now();
          try {
            answer = await list(url.toString(), ctx);
          } catch (err) {
            if (isStale(err)) throw new StaleCursorError(`google calendar rejected the ${c.pageToken ? 'page' : 'sync'} token (full sync required)`, { cause: err });
            throw err;
          }
          const listedAt = (typeof answer.updated === 'string' ? timeVersion(answer.updated) : null) ?? timeVersion(readAt);
          const records = (answer.items ?? []).map((e) => versioned(toRawRecord('event', e), listedAt));
          const next: GcalCursor | null = answer.nextPageToken
            ? { v: 1, syncToken: c.syncToken, pageToken: answer.nextPageToken }
            : answer.nextSyncToken
              ? { v: 1, syncToken: answer.nextSyncToken, pageToken: null }
              : null;
          countRefreshes();
          ctx.onProgress?.({ entity: 'event', page: ++page, records: records.length });
          // A full read starts at the listing's own `updated` (Google's clock, like events' versions).
          const mark = fullRead ? { fullRead: { ...(fresh ? { start: { version: listedAt } } : {}), ...(answer.nextPageToken ? {} : { complete: true }) } } : {};
          fresh = false;
          yield { records, cursorAfter: next ? encodeGcalCursor(next) : null, ...mark };
          if (!answer.nextPageToken) return;
          c = { v: 1, syncToken: c.syncToken, pageToken: answer.nextPageToken };
        }
      } finally {
        countRefreshes();
      }
    },
  };

  const normalizer = createGcalNormalizer(deps.calendarId);
  const targeted = createGcalTargeted({
    eventsUrl: `${base}/calendar/v3/calendars/${encodeURIComponent(deps.calendarId)}/events`,
    pageSize: deps.pageSize ?? 250,
    now: () => clock.now(),
    get: async <T>(url: string, ctx: Pick<PageContext, 'stats' | 'signal'>) => (await list(url, ctx)) as T,
  });
  return { source: 'gcal', streams: [stream], normalize: normalizer.normalize, targeted };
}

// 410 GONE (fullSyncRequired), or a page token Google no longer accepts.
function isStale(err: unknown): boolean {
  if (!(err instanceof UpstreamHttpError)) return false;
  if (err.status === 410) return true;
  const errors = (err.body as { error?: { errors?: Array<{ location?: string }> } } | undefined)?.error?.errors ?? [];
  return err.status === 400 && errors.some((e) => e.location === 'pageToken' || e.location === 'syncToken');
}

// Google's `updated` orders an event's states. A deleted event sent without it is versioned by
// the listing's own `updated` (the calendar's last modification, on Google's clock, so at or
// after the deletion), or failing that by the time of the read.
function versioned(record: RawRecord, listedAt: string | null): RawRecord {
  const updated = (record.payload as { updated?: unknown } | null)?.updated;
  return { ...record, version: (typeof updated === 'string' ? timeVersion(updated) : null) ?? listedAt };
}
