/**
 * HubSpot's error envelope `{ status: "error", message, correlationId, category, … }` and the
 * rate-limit answer with `X-HubSpot-RateLimit-*` headers.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { RateLimitInfo } from '../common/index.ts';

/** Send a HubSpot error. */
export function sendHubspotError(reply: FastifyReply, status: number, message: string, category: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ status: 'error', message, correlationId: randomUUID(), category, ...extra });
}

/** The per-10-second headers HubSpot sends on API answers. */
export function rateLimitHeaders(reply: FastifyReply, info: RateLimitInfo): void {
  void reply
    .header('x-hubspot-ratelimit-interval-milliseconds', String(info.windowMs))
    .header('x-hubspot-ratelimit-max', String(info.limit))
    .header('x-hubspot-ratelimit-remaining', String(info.remaining))
    .header('x-hubspot-ratelimit-daily', '500000')
    .header('x-hubspot-ratelimit-daily-remaining', '499000');
}

/** 429 exactly as HubSpot's ten-secondly rolling limit answers. */
export function rateLimited(reply: FastifyReply, info: RateLimitInfo): void {
  rateLimitHeaders(reply, info);
  void reply.code(429).send({
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName: 'TEN_SECONDLY_ROLLING',
    groupName: 'publicapi:private-app:sandbox',
  });
}

/** 503 in HubSpot's envelope. */
export function unavailable(reply: FastifyReply): void {
  void sendHubspotError(reply, 503, 'The service is temporarily unavailable. Please try again later.', 'SERVICE_UNAVAILABLE');
}

/** 401 without credentials or with a bad token. */
export function unauthorized(reply: FastifyReply): FastifyReply {
  return sendHubspotError(
    reply,
    401,
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
    'INVALID_AUTHENTICATION',
  );
}

/** 401 for an OAuth access token past its lifetime. */
export function expired(reply: FastifyReply, agoMs: number): FastifyReply {
  const minutes = Math.max(1, Math.round(agoMs / 60_000));
  return sendHubspotError(reply, 401, `The OAuth token used to make this call expired ${minutes} minute(s) ago.`, 'EXPIRED_AUTHENTICATION');
}
