/**
 * Pure parsing of the wait hints upstreams send: `Retry-After` (delta seconds or HTTP date),
 * body hints such as `{"retry_after": 60}`, and `X-RateLimit-Remaining` / `X-RateLimit-Reset`.
 * Header maps are expected with lowercased names.
 */

/** `Retry-After` as ms from `nowMs`; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** A body wait hint (`retry_after` / `retryAfter`, seconds, top level or under `error`) as ms. */
export function bodyRetryAfterMs(body: unknown): number | undefined {
  for (const obj of [body, (body as { error?: unknown } | null)?.error]) {
    if (!obj || typeof obj !== 'object') continue;
    const rec = obj as Record<string, unknown>;
    for (const key of ['retry_after', 'retryAfter']) {
      const seconds = asNumber(rec[key]);
      if (seconds !== undefined && seconds >= 0) return Math.ceil(seconds * 1000);
    }
  }
  return undefined;
}

/** The larger of the header and body hints: the upstream asked to wait at least that long. */
export function retryAfterHintMs(headers: Record<string, string>, body: unknown, nowMs: number): number | undefined {
  const fromHeader = parseRetryAfter(headers['retry-after'], nowMs);
  const fromBody = bodyRetryAfterMs(body);
  if (fromHeader === undefined) return fromBody;
  if (fromBody === undefined) return fromHeader;
  return Math.max(fromHeader, fromBody);
}

/** What `X-RateLimit-*` (or IETF `RateLimit-*`) headers say about the rest of the window. */
export interface RateLimitHint {
  /** Requests left in the current window. */
  remaining?: number;
  /** Clock time (epoch ms) at which the window resets. */
  resetAt?: number;
}

/**
 * Parse rate-limit headers; undefined when the upstream sent none. Besides `X-RateLimit-*` and
 * `RateLimit-*`, HubSpot's `X-HubSpot-RateLimit-Remaining` counts: HubSpot sends no reset, only
 * its rolling window's length, so the window is taken to end one length from now (the latest
 * it can; docs/upstreams.md, HubSpot).
 */
export function parseRateLimitHeaders(headers: Record<string, string>, nowMs: number): RateLimitHint | undefined {
  const remaining = asNumber(headers['x-ratelimit-remaining'] ?? headers['ratelimit-remaining'] ?? headers['x-hubspot-ratelimit-remaining']);
  const reset = asNumber(headers['x-ratelimit-reset'] ?? headers['ratelimit-reset']);
  const hubspotWindowMs = headers['x-hubspot-ratelimit-remaining'] !== undefined ? asNumber(headers['x-hubspot-ratelimit-interval-milliseconds']) : undefined;
  if (remaining === undefined && reset === undefined) return undefined;
  const hint: RateLimitHint = {};
  if (remaining !== undefined) hint.remaining = Math.max(0, Math.floor(remaining));
  if (reset !== undefined) hint.resetAt = resetToEpochMs(reset, nowMs);
  else if (hubspotWindowMs !== undefined && hubspotWindowMs > 0) hint.resetAt = nowMs + hubspotWindowMs;
  return hint;
}

// Upstreams disagree on the unit of the reset header: epoch seconds (GitHub, many REST APIs),
// epoch ms, or seconds until reset (IETF draft). Large values can only be epochs.
function resetToEpochMs(reset: number, nowMs: number): number {
  if (reset > 1e12) return reset;
  if (reset > 1e9) return reset * 1000;
  return nowMs + Math.ceil(reset * 1000);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}
