/**
 * The one error registry: every error code Buffalo answers with, and its HTTP status.
 * Modules throw AppError with a code from here; the HTTP layer renders
 * `{"error": code, "message": …, ...details}` with the registered status.
 */

/** Error code → HTTP status. Add new codes here, nowhere else. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_cursor: 400,
  malformed_json: 400,
  malformed_url: 400,
  malformed_request: 400,
  idempotency_key_required: 400,
  webhook_signature_invalid: 400,
  oauth_state_invalid: 400,
  oauth_denied: 400,
  oauth_exchange_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  run_not_found: 404,
  reconciliation_not_found: 404,
  dlq_entry_not_found: 404,
  order_not_found: 404,
  user_not_found: 404,
  connection_not_found: 404,
  webhook_subscription_not_found: 404,
  request_timeout: 408,
  conflict: 409,
  idempotency_key_in_use: 409,
  out_of_stock: 409,
  connection_name_taken: 409,
  connection_not_active: 409,
  cursor_expired: 410,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  unknown_product: 422,
  invalid_credentials: 422,
  webhook_url_refused: 422,
  unknown_connection: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal_error: 500,
  upstream_failed: 502,
  service_unavailable: 503,
  upstream_not_configured: 503,
  inventory_unavailable: 503,
  database_unavailable: 503,
  upstream_unreachable: 503,
} as const;

/** A registered error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** An error with a registered code; `details` are merged into the JSON body. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = opts.details;
  }
}

/** True when `err` is an AppError (across module copies). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
