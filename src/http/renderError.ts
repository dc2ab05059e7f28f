/**
 * Error rendering: every error becomes `{error, message, ...details}` with the status from the
 * error registry. Client mistakes (validation, malformed JSON, oversized bodies, wrong media
 * type, a URL or a request the router or Node's HTTP parser cannot read) are 4xx, never 500.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors.ts';
import { isTransientDbError } from '../db/index.ts';

/** JSON error body. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
  [detail: string]: unknown;
}

// Fastify's own error codes for client mistakes.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_BAD_URL: 'malformed_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};
// Fastify's messages for these echo the whole path back, however long.
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'the URL is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'a path parameter is longer than the router accepts',
};

/** Map any thrown value to a status and body. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    return { status: err.status, body: { error: err.code, message: err.message, ...err.details } };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const fieldOf = (v: (typeof err.validation)[number] | undefined): string => {
      const path = (v?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
      // An unknown key is reported on its parent object; name the key itself.
      const keys = (v?.params as { keys?: unknown } | undefined)?.keys;
      const unknown = v?.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length > 0 ? String(keys[0]) : '';
      return unknown ? (path ? `${path}.${unknown}` : unknown) : path;
    };
    const field = fieldOf(first);
    const where = (err as { validationContext?: string }).validationContext;
    const message = `${field ? `${field}: ` : ''}${first?.message ?? 'invalid value'}`;
    return {
      status: 400,
      body: {
        error: 'validation_failed',
        message,
        field: field || null,
        in: where ?? null,
        issues: err.validation.map((v) => ({ field: fieldOf(v), message: v.message })),
      },
    };
  }
  const fe = err as Partial<FastifyError> & { type?: string };
  if (fe instanceof SyntaxError || fe.type === 'entity.parse.failed') {
    return { status: 400, body: { error: 'malformed_json', message: 'request body is not valid JSON' } };
  }
  if (fe.code && FASTIFY_CODES[fe.code]) {
    const code = FASTIFY_CODES[fe.code] as ErrorCode;
    return { status: ERROR_STATUS[code], body: { error: code, message: FASTIFY_MESSAGES[fe.code] ?? fe.message ?? code } };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 404 ? 'not_found' : fe.statusCode === 413 ? 'payload_too_large' : fe.statusCode === 415 ? 'unsupported_media_type' : 'validation_failed';
    return { status: fe.statusCode, body: { error: code, message: fe.message ?? code } };
  }
  if (isTransientDbError(err)) {
    // The database is down or restarting: a retryable 503, not a bug.
    return { status: 503, body: { error: 'database_unavailable', message: 'the database is unavailable; retry shortly', retryAfter: 5 } };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error' } };
}

/** Fastify error handler. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(err);
  if (status >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: body.error, status }, 'request rejected');
  void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

/**
 * The answer to a request Node's HTTP parser refused before Fastify saw it (a control character
 * in a header, a malformed request line, headers over the size limit, a request too slow).
 */
export function clientErrorResponse(err: { code?: string; reason?: unknown }): { status: number; body: ErrorBody } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: ERROR_STATUS.request_timeout, body: { error: 'request_timeout', message: 'the request did not arrive in time' } };
  if (err.code === 'HPE_HEADER_OVERFLOW') return { status: ERROR_STATUS.headers_too_large, body: { error: 'headers_too_large', message: 'the request headers are larger than the server accepts' } };
  // llhttp's reason is a fixed sentence ("Invalid header value char"), never request bytes.
  const reason = typeof err.reason === 'string' && err.reason ? `: ${err.reason}` : '';
  return { status: ERROR_STATUS.malformed_request, body: { error: 'malformed_request', message: `the request is not valid HTTP${reason}` } };
}

/** Fastify `clientErrorHandler`: answers {@link clientErrorResponse} on the raw socket, then closes it. */
export function handleClientError(this: { log: FastifyBaseLogger }, err: ConnectionError, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, body } = clientErrorResponse(err);
  // Not the error itself: its rawPacket holds the request's bytes, API keys included.
  this.log.info({ code: body.error, status, parserCode: err.code }, 'request rejected');
  // As Node's own handler: no answer in the middle of a response already under way on this socket.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !inFlight) {
    const text = JSON.stringify(body);
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  }
  socket.destroy(err);
}
