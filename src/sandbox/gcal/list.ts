/**
 * `events.list` semantics: parameter validation as Google does it, full listings keyed by a
 * stable order (page tokens resume after the last key, so concurrent changes cause at most a
 * re-read, never a gap), incremental listings by change version, `nextSyncToken` only on the
 * last page, and sync-token expiry (epoch, age, stale-cursor knob → 410).
 */
import { rowEnd, rowStart, toRows, type GEvent, type Row } from './data.ts';
import { compareKeys, type PageTokenData, type SyncTokenData, type TokenCodec } from './tokens.ts';
import type { GcalState } from './state.ts';

/** Parsed query of `GET …/events`. */
export interface ListParams {
  maxResults: number;
  pageToken?: string;
  syncToken?: string;
  showDeleted: boolean;
  singleEvents: boolean;
  orderBy?: 'startTime' | 'updated';
  updatedMin?: number;
  timeMin?: number;
  timeMax?: number;
  q?: string;
  iCalUID?: string;
}

/** A Google error to send: status, reason and message. */
export interface ListError {
  code: 400 | 410;
  reason: string;
  message: string;
  location?: string;
}

const SYNC_CONFLICTS = ['orderBy', 'q', 'timeMin', 'timeMax', 'updatedMin', 'iCalUID', 'privateExtendedProperty', 'sharedExtendedProperty'] as const;

function one(v: unknown): string | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? String(v[0]) : String(v);
}

/** Validate and parse the query string. */
export function parseListParams(query: Record<string, unknown>): { ok: true; params: ListParams } | { ok: false; error: ListError } {
  const bad = (message: string, location?: string) => ({ ok: false as const, error: { code: 400 as const, reason: 'invalid', message, ...(location ? { location } : {}) } });
  const syncToken = one(query.syncToken);
  if (syncToken !== undefined) {
    const conflict = SYNC_CONFLICTS.find((k) => query[k] !== undefined);
    if (conflict) return bad(`The syncToken parameter cannot be combined with ${conflict}.`, conflict);
  }
  const maxRaw = one(query.maxResults);
  const maxResults = maxRaw === undefined ? 250 : Number(maxRaw);
  if (!Number.isInteger(maxResults) || maxResults < 1) return bad('Invalid value for maxResults.', 'maxResults');
  const bool = (k: string) => one(query[k]) === 'true';
  const orderBy = one(query.orderBy);
  if (orderBy !== undefined && orderBy !== 'startTime' && orderBy !== 'updated') return bad(`Invalid value for orderBy: ${orderBy}`, 'orderBy');
  if (orderBy === 'startTime' && !bool('singleEvents')) return bad('The requested ordering is not available for the particular query.', 'orderBy');
  const times: Partial<Record<'updatedMin' | 'timeMin' | 'timeMax', number>> = {};
  for (const k of ['updatedMin', 'timeMin', 'timeMax'] as const) {
    const v = one(query[k]);
    if (v === undefined) continue;
    // RFC 3339 with a mandatory offset, as the API requires.
    if (!/(Z|[+-]\d\d:\d\d)$/i.test(v) || Number.isNaN(Date.parse(v))) return bad(`Bad Request: invalid ${k} ${v}`, k);
    times[k] = Date.parse(v);
  }
  if (times.timeMin !== undefined && times.timeMax !== undefined && times.timeMax <= times.timeMin) return bad('The specified time range is empty.', 'timeMax');
  const params: ListParams = {
    maxResults: Math.min(maxResults, 2500),
    showDeleted: bool('showDeleted'),
    singleEvents: bool('singleEvents'),
    ...times,
  };
  const pageToken = one(query.pageToken);
  if (pageToken !== undefined) params.pageToken = pageToken;
  if (syncToken !== undefined) params.syncToken = syncToken;
  if (orderBy !== undefined) params.orderBy = orderBy;
  const q = one(query.q);
  if (q !== undefined) params.q = q;
  const iCalUID = one(query.iCalUID);
  if (iCalUID !== undefined) params.iCalUID = iCalUID;
  return { ok: true, params };
}

/** What `listEvents` needs besides the world. */
export interface ListContext {
  codec: TokenCodec;
  now: number;
  /** Sync tokens issued before this epoch are expired. */
  epoch: number;
  /** Sync tokens older than this (ms) are expired; 0 = never. */
  syncTokenTtlMs: number;
  /** Knob: every sync token is stale. */
  staleCursor: boolean;
}

const GONE: ListError = { code: 410, reason: 'fullSyncRequired', message: 'Sync token is no longer valid, a full sync is required.', location: 'syncToken' };

/** One page of `events.list`, or the error to answer with. */
export function listEvents(state: GcalState, p: ListParams, ctx: ListContext): { ok: true; rows: Row[]; nextPageToken?: string; nextSyncToken?: string } | { ok: false; error: ListError } {
  const { pageToken: _p, maxResults: _m, ...rest } = p;
  const fingerprint = JSON.stringify(rest);
  let since: number | undefined;
  let watermark = state.version();
  let after: number[] | undefined;
  if (p.syncToken !== undefined) {
    // A token this process cannot read (e.g. issued before a restart) is one the server invalidated.
    const tok = ctx.codec.decode<SyncTokenData>('s', p.syncToken);
    if (!tok || ctx.staleCursor || tok.epoch < ctx.epoch || (ctx.syncTokenTtlMs > 0 && ctx.now - tok.issuedAt > ctx.syncTokenTtlMs)) return { ok: false, error: GONE };
    since = tok.w;
  }
  if (p.pageToken !== undefined) {
    const tok = ctx.codec.decode<PageTokenData>('p', p.pageToken);
    if (!tok || tok.q !== fingerprint) return { ok: false, error: { code: 400, reason: 'invalid', message: 'Invalid Value', location: 'pageToken' } };
    watermark = tok.w;
    after = tok.k;
  }
  const incremental = since !== undefined;
  const events = state.events.filter((e) => {
    if (incremental) return e.version > since! && e.version <= watermark;
    if (e.status === 'cancelled' && !p.showDeleted && p.updatedMin === undefined) return false;
    if (p.updatedMin !== undefined && e.updated < p.updatedMin) return false;
    if (p.iCalUID !== undefined && `${e.id}@google.com` !== p.iCalUID) return false;
    if (p.q !== undefined && !matchesText(e, p.q)) return false;
    return true;
  });
  const key = (r: Row): number[] => {
    const tail = [r.event.seq, r.instance ?? -1];
    if (incremental) return [r.event.version, ...tail];
    if (p.orderBy === 'startTime') return [rowStart(r), ...tail];
    if (p.orderBy === 'updated') return [r.event.updated, ...tail];
    return tail;
  };
  const rows = toRows(events, p.singleEvents)
    .filter((r) => (p.timeMin === undefined || rowEnd(r) > p.timeMin) && (p.timeMax === undefined || rowStart(r) < p.timeMax))
    .map((r) => ({ r, k: key(r) }))
    .filter((x) => after === undefined || compareKeys(x.k, after) > 0)
    .sort((a, b) => compareKeys(a.k, b.k));
  const page = rows.slice(0, p.maxResults);
  const last = page[page.length - 1];
  if (rows.length > p.maxResults && last) {
    const data: PageTokenData = { q: fingerprint, w: watermark, k: last.k, ...(since !== undefined ? { since } : {}) };
    return { ok: true, rows: page.map((x) => x.r), nextPageToken: ctx.codec.encode('p', data) };
  }
  const sync: SyncTokenData = { w: watermark, epoch: ctx.epoch, issuedAt: ctx.now, single: p.singleEvents };
  return { ok: true, rows: page.map((x) => x.r), nextSyncToken: ctx.codec.encode('s', sync) };
}

function matchesText(e: GEvent, q: string): boolean {
  const needle = q.toLowerCase();
  return [e.summary, e.description, e.location].some((s) => s.toLowerCase().includes(needle));
}
