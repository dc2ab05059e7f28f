/**
 * Pure rules: which failures are transient (retried), which mean the upstream is unhealthy
 * (counted by the breaker), and the cause label used in logs, stats and metrics.
 */
import { CallCancelledError, CircuitOpenError, DeadlineExceededError, networkCode, UpstreamNetworkError, UpstreamTimeoutError } from './upstreamErrors.ts';

/** How the kit treats one failed attempt. */
export interface FailureClass {
  /** Label for logs/metrics: `timeout`, `network`, `http_503`, `circuit_open`, `error`… */
  cause: string;
  /** Worth another attempt (network, timeout, 408/425/429/5xx). */
  retryable: boolean;
  /** Counts toward opening the breaker (network, timeout, 408, 5xx; a 4xx is not the upstream being down). */
  breakerFailure: boolean;
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** Classify an error thrown by an attempt. Works on our errors and on SDK errors exposing `status`/`statusCode`. */
export function classifyFailure(err: unknown): FailureClass {
  if (err instanceof CircuitOpenError) return { cause: 'circuit_open', retryable: false, breakerFailure: false };
  if (err instanceof DeadlineExceededError) return { cause: 'deadline', retryable: false, breakerFailure: false };
  if (err instanceof CallCancelledError) return { cause: 'cancelled', retryable: false, breakerFailure: false };
  if (isTimeout(err)) return { cause: 'timeout', retryable: true, breakerFailure: true };
  const status = httpStatus(err);
  if (status !== undefined) {
    const serverSide = status >= 500 || status === 408;
    // Google answers quota exhaustion with 403 rateLimitExceeded as well as 429: same meaning.
    if (status === 403 && isGoogleRateLimit(err)) return { cause: 'http_429', retryable: true, breakerFailure: false };
    return { cause: `http_${status}`, retryable: serverSide || RETRYABLE_STATUS.has(status), breakerFailure: serverSide };
  }
  if (isNetwork(err)) return { cause: 'network', retryable: true, breakerFailure: true };
  return { cause: 'error', retryable: false, breakerFailure: false };
}

/** The HTTP status carried by an error (ours: `status`; many SDKs: `statusCode`). */
export function httpStatus(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const s = typeof status === 'number' ? status : statusCode;
  return typeof s === 'number' && s >= 100 && s <= 599 ? s : undefined;
}

function isTimeout(err: unknown): boolean {
  if (err instanceof UpstreamTimeoutError) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'TaskCancelledError';
}

function isNetwork(err: unknown): boolean {
  if (err instanceof UpstreamNetworkError) return true;
  const code = networkCode(err);
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  // undici reports connection failures as TypeError('fetch failed') with the cause inside.
  return err instanceof TypeError && err.message === 'fetch failed';
}

const GOOGLE_RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

function isGoogleRateLimit(err: unknown): boolean {
  const body = (err as { body?: unknown }).body as { error?: { errors?: Array<{ reason?: unknown }> } } | undefined;
  return Boolean(body?.error?.errors?.some((e) => typeof e.reason === 'string' && GOOGLE_RATE_REASONS.has(e.reason)));
}
