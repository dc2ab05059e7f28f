/**
 * Error rendering: every error becomes `{error, message, ...details}` with the status from the
 * error registry. Client mistakes (validation, malformed JSON, oversized bodies, wrong media
 * type) are 4xx, never 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
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
    return { status: ERROR_STATUS[code], body: { error: code, message: fe.message ?? code } };
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
