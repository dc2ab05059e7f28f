/**
 * Pure mapping of event-service failures to answers. Reads fail the app's way (AppError →
 * `{error, message}`); POST /addEvent keeps the event service's published `{success:false, error, …}` contract (docs/upstreams.md#event-service).
 */
import { AppError } from '../errors.ts';
import { CircuitOpenError, UpstreamHttpError, UpstreamTimeoutError } from '../resilience/index.ts';
import { EventFetchFailedError } from './fetchEventsForUser.ts';

/** Seed 003's body while the write breaker is open. */
export const OPEN_BREAKER_MESSAGE = 'Event service is currently experiencing issues. Please try again later.';

/** A failure answer of POST /addEvent. */
export interface WriteFailure {
  status: number;
  body: { success: false; error: string; message?: string; retryAfter?: number; circuitBreakerState?: 'OPEN' };
  /** Seconds for the Retry-After header, when known. */
  retryAfter?: number;
}

/** Whole seconds until a probe is allowed (at least 1, as a client should not retry at once). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** A read failure as an AppError: 503 while the breaker is open, else 502 upstream_failed. */
export function readFailure(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof EventFetchFailedError) {
    const failedIds = [...err.failedIds];
    return new AppError('upstream_failed', `event service failed to return event(s) ${failedIds.join(', ')}`, { cause: err, details: { failedIds } });
  }
  if (err instanceof CircuitOpenError) {
    return new AppError('service_unavailable', `event service is unavailable (circuit open) while fetching ${what}; retry later`, { cause: err, details: { retryAfter: retryAfterSeconds(err.retryAfterMs) } });
  }
  return new AppError('upstream_failed', `event service failed while fetching ${what}: ${describe(err)}`, { cause: err });
}

/** A write failure as the event service's contract answers it. */
export function writeFailure(err: unknown): WriteFailure {
  if (err instanceof CircuitOpenError) {
    const retryAfter = retryAfterSeconds(err.retryAfterMs);
    return { status: 503, retryAfter, body: { success: false, error: 'Service temporarily unavailable', message: OPEN_BREAKER_MESSAGE, retryAfter, circuitBreakerState: 'OPEN' } };
  }
  if (err instanceof UpstreamHttpError) {
    const upstream = (err.body ?? {}) as { error?: unknown; message?: unknown };
    const error = typeof upstream.error === 'string' ? upstream.error : `Event service answered HTTP ${err.status}`;
    // The upstream refusing *our* credentials is our fault, not the client's: never pass it on as 401/403.
    const status = [401, 403, 407].includes(err.status) ? 502 : err.status;
    return { status, body: { success: false, error, ...(typeof upstream.message === 'string' ? { message: upstream.message } : {}) } };
  }
  if (err instanceof UpstreamTimeoutError) return { status: 504, body: { success: false, error: 'Event service timed out' } };
  return { status: 502, body: { success: false, error: `Event service failed: ${describe(err)}` } };
}

function describe(err: unknown): string {
  if (err instanceof UpstreamHttpError) return `HTTP ${err.status}`;
  return err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
}
