/** Calls to the Buffalo API from the page: keys in headers (never in URLs), JSON errors as ApiError. */

/** A non-2xx answer: the API's `{error, message}` body, or the HTTP status when there is none. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | null;
  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Request options. */
export interface CallOptions {
  apiKey?: string | null;
  adminKey?: string | null;
  method?: 'GET' | 'POST';
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Call `path` on this origin and parse the JSON answer. */
export async function callApi<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  if (opts.adminKey) headers['x-admin-api-key'] = opts.adminKey;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(path, { method: opts.method ?? 'GET', headers, cache: 'no-store', credentials: 'omit', ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    throw new ApiError(0, 'network_error', `the API did not answer (${(err as Error).message})`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  // /readyz answers 503 with a useful body while the database is down.
  if (!res.ok && !(res.status === 503 && path === '/readyz' && body)) {
    const b = (body ?? {}) as { error?: string; message?: string; field?: string };
    throw new ApiError(res.status, b.error ?? `http_${res.status}`, b.message ?? `HTTP ${res.status}`, b.field ?? null);
  }
  return body as T;
}
