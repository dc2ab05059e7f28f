/**
 * A JSON HTTP call through a policy, on undici's dispatcher (exchangeHttp): the attempt's AbortSignal,
 * JSON encode/decode, lowercase header names, UpstreamHttpError for non-2xx (with the
 * upstream's wait hint), bearer auth from a TokenProvider with one refresh-and-retry after a
 * 401 that says the token expired.
 */
import { newCallStats } from './callStats.ts';
import { systemClock } from './clock.ts';
import type { ExecuteOptions, UpstreamPolicy } from './createPolicy.ts';
import { exchangeHttp, type HttpAnswer } from './exchangeHttp.ts';
import { retryAfterHintMs } from './retryAfter.ts';
import type { TokenProvider } from './tokenProvider.ts';
import { UpstreamHttpError, UpstreamNetworkError } from './upstreamErrors.ts';

/** One JSON request. */
export interface JsonRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON (unless a string, sent as is). */
  body?: unknown;
  /** Adds `Authorization: Bearer …`, taken when each attempt is sent; a 401 "expired" refreshes it once. */
  token?: TokenProvider;
  /** Which 401s mean "refresh the token and try once more" (default {@link isExpiredToken}). */
  refreshOn?: (err: UpstreamHttpError) => boolean;
}

/** A 2xx answer. */
export interface JsonResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** JSON HTTP call through a policy: throws UpstreamHttpError on non-2xx (status/headers/body kept). */
export async function requestJson<T = unknown>(policy: UpstreamPolicy, req: JsonRequest, opts: ExecuteOptions = {}): Promise<JsonResponse<T>> {
  const stats = opts.stats ?? newCallStats();
  const callOpts = { ...opts, stats };
  // The token is taken by the policy after every wait of an attempt (retry, rate limit,
  // bulkhead), right before it is sent: one taken before a rate-limit wait longer than its
  // lifetime would leave expired, however often it were refreshed.
  let token: string | undefined;
  const tokens = req.token;
  const credential = tokens ? async () => (token = await tokens.getToken()) : undefined;
  const call = () => policy.execute(({ signal, credential: bearer }) => send<T>(policy, req, bearer, signal), { ...callOpts, credential });
  try {
    return await call();
  } catch (err) {
    if (!req.token || token === undefined || !(err instanceof UpstreamHttpError) || !(req.refreshOn ?? isExpiredToken)(err)) throw err;
    req.token.invalidate(token);
    stats.tokenRefreshes++;
    return call();
  }
}

async function send<T>(policy: UpstreamPolicy, req: JsonRequest, token: string | undefined, signal: AbortSignal): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...lowercaseKeys(req.headers ?? {}) };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let answer: HttpAnswer;
  try {
    answer = await exchangeHttp(req.url, { method: req.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal });
  } catch (err) {
    // Aborted by the policy (timeout): surface the policy's reason, not undici's wrapper.
    if (signal.aborted) throw signal.reason;
    throw new UpstreamNetworkError(policy.name, err);
  }
  const { status, text, headers: resHeaders } = answer;
  const parsed = parseBody(text, resHeaders['content-type']);
  if (status < 200 || status > 299) {
    throw new UpstreamHttpError(policy.name, status, resHeaders, parsed, retryAfterHintMs(resHeaders, parsed, (policy.clock ?? systemClock).now()));
  }
  policy.observeResponse?.(status, resHeaders);
  return { status, headers: resHeaders, body: parsed as T };
}

/** True for a 401 whose body or WWW-Authenticate says the token expired. */
export function isExpiredToken(err: UpstreamHttpError): boolean {
  if (err.status !== 401) return false;
  const text = `${typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? '')} ${err.headers['www-authenticate'] ?? ''}`;
  return /expired/i.test(text);
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  const looksJson = contentType?.includes('json') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function lowercaseKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
