/** Errors the resilience kit throws to callers; each names the upstream it came from. */

/** Thrown for a non-2xx upstream answer (after retries are exhausted or for non-retryable status). */
export class UpstreamHttpError extends Error {
  readonly upstream: string;
  readonly status: number;
  /** Response headers, names lowercased. */
  readonly headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
  /** The upstream's own wait hint (Retry-After header or body `retry_after`), if any. */
  readonly retryAfterMs?: number;
  constructor(upstream: string, status: number, headers: Record<string, string>, body: unknown, retryAfterMs?: number) {
    super(`${upstream} answered HTTP ${status}${describeBody(body)}`);
    this.name = 'UpstreamHttpError';
    this.upstream = upstream;
    this.status = status;
    this.headers = headers;
    this.body = body;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** Thrown (without calling upstream) while the breaker is open. */
export class CircuitOpenError extends Error {
  readonly upstream: string;
  /** ms until a half-open probe is allowed. */
  readonly retryAfterMs: number;
  constructor(upstream: string, retryAfterMs: number) {
    super(`${upstream} circuit is open; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'CircuitOpenError';
    this.upstream = upstream;
    this.retryAfterMs = retryAfterMs;
  }
}

/** An attempt ran past its per-attempt timeout. */
export class UpstreamTimeoutError extends Error {
  readonly upstream: string;
  readonly timeoutMs: number;
  constructor(upstream: string, timeoutMs: number) {
    super(`${upstream} did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
    this.upstream = upstream;
    this.timeoutMs = timeoutMs;
  }
}

/** The connection failed (refused, reset, DNS…) before an HTTP answer arrived. */
export class UpstreamNetworkError extends Error {
  readonly upstream: string;
  /** The low-level code when known (ECONNREFUSED, UND_ERR_SOCKET…). */
  readonly code: string | undefined;
  constructor(upstream: string, cause: unknown) {
    const code = networkCode(cause);
    super(`${upstream} unreachable${code ? ` (${code})` : ''}`, { cause });
    this.name = 'UpstreamNetworkError';
    this.upstream = upstream;
    this.code = code;
  }
}

/** The overall deadline of a call would pass before the next attempt could start. */
export class DeadlineExceededError extends Error {
  readonly upstream: string;
  readonly deadlineMs: number;
  constructor(upstream: string, deadlineMs: number, cause?: unknown) {
    super(`${upstream} call exceeded its ${deadlineMs} ms deadline`, cause === undefined ? undefined : { cause });
    this.name = 'DeadlineExceededError';
    this.upstream = upstream;
    this.deadlineMs = deadlineMs;
  }
}

/** The caller cancelled the call (its AbortSignal fired): not the upstream's fault, never retried. */
export class CallCancelledError extends Error {
  readonly upstream: string;
  constructor(upstream: string, reason: unknown) {
    super(`${upstream} call cancelled${reason instanceof Error ? `: ${reason.message}` : ''}`, { cause: reason });
    this.name = 'CallCancelledError';
    this.upstream = upstream;
  }
}

/** The errno-style code of a network failure, looking through `cause` chains (undici nests them). */
export function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
  }
  return undefined;
}

function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
