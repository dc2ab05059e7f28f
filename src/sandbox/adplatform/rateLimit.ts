/**
 * The ad platform's per-client limit (seeds 002/004: 10 requests per minute per `X-Client-Id`):
 * a sliding one-minute window of accepted requests. Refused requests do not count, as on the
 * original platform.
 */

const WINDOW_MS = 60_000;

/** Sliding-window limiter keyed by client id. */
export interface ClientRateLimiter {
  /** Record a request from `clientId`; false when it is over `perMin` (0 = unlimited). */
  allow(clientId: string, perMin: number): boolean;
  /** Forget all history. */
  reset(): void;
}

/** A limiter on `now` (ms). */
export function createClientRateLimiter(now: () => number): ClientRateLimiter {
  const log = new Map<string, number[]>();
  return {
    allow(clientId, perMin) {
      if (perMin <= 0) return true;
      const t = now();
      const recent = (log.get(clientId) ?? []).filter((at) => t - at < WINDOW_MS);
      if (recent.length >= perMin) {
        log.set(clientId, recent);
        return false;
      }
      recent.push(t);
      log.set(clientId, recent);
      return true;
    },
    reset: () => log.clear(),
  };
}
