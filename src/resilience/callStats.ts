/** Per-call accounting a caller can pass in to learn what happened (run reports). */
export interface CallStats {
  /** Attempts that reached the upstream. */
  attempts: number;
  /** Retries by cause (`timeout`, `network`, `http_503`, `http_429`…). */
  retries: Record<string, number>;
  /** Times a call was held by the rate limiter, and for how long in total (clock ms). */
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Token refreshes forced by a 401 "expired". */
  tokenRefreshes: number;
}

/** Fresh, zeroed stats. */
export function newCallStats(): CallStats {
  return { attempts: 0, retries: {}, rateLimitWaits: 0, rateLimitWaitMs: 0, tokenRefreshes: 0 };
}

/** Add `from` into `into` (a run summing the stats of many calls). */
export function mergeCallStats(into: CallStats, from: CallStats): CallStats {
  into.attempts += from.attempts;
  into.rateLimitWaits += from.rateLimitWaits;
  into.rateLimitWaitMs += from.rateLimitWaitMs;
  into.tokenRefreshes += from.tokenRefreshes;
  for (const [cause, n] of Object.entries(from.retries)) into.retries[cause] = (into.retries[cause] ?? 0) + n;
  return into;
}
