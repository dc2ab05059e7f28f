/**
 * Google API error envelope:
 * `{ error: { errors: [{ domain, reason, message, locationType?, location? }], code, message, status? } }`.
 */
import type { FastifyReply } from 'fastify';

/** Send a Google-format error. */
export function sendGoogleError(
  reply: FastifyReply,
  code: number,
  e: { reason: string; message: string; domain?: string; location?: string; locationType?: string; status?: string },
): FastifyReply {
  const item = {
    domain: e.domain ?? 'global',
    reason: e.reason,
    message: e.message,
    ...(e.location ? { locationType: e.locationType ?? 'parameter', location: e.location } : {}),
  };
  return reply.code(code).send({ error: { errors: [item], code, message: e.message, ...(e.status ? { status: e.status } : {}) } });
}

/** 403 or 429 `rateLimitExceeded` (domain usageLimits), as the Calendar API sends both. */
export function rateLimited(reply: FastifyReply, status: 403 | 429): void {
  void sendGoogleError(reply, status, { domain: 'usageLimits', reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
}

/** 503 backendError. */
export function unavailable(reply: FastifyReply): void {
  void sendGoogleError(reply, 503, { reason: 'backendError', message: 'Backend Error' });
}

/** 401 for a missing token. */
export function loginRequired(reply: FastifyReply): FastifyReply {
  return sendGoogleError(reply, 401, {
    reason: 'required',
    message: 'Login Required.',
    location: 'Authorization',
    locationType: 'header',
    status: 'UNAUTHENTICATED',
  });
}

/** 401 for an expired or unknown token. */
export function invalidCredentials(reply: FastifyReply): FastifyReply {
  return sendGoogleError(reply, 401, {
    reason: 'authError',
    message: 'Invalid Credentials',
    location: 'Authorization',
    locationType: 'header',
    status: 'UNAUTHENTICATED',
  });
}
