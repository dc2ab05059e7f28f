/**
 * HubSpot's error envelope `{ status: "error", message, correlationId, category, … }` and the
 * ten-secondly rate-limit answer.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** Send a HubSpot error. */
export function sendHubspotError(reply: FastifyReply, status: number, message: string, category: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ status: 'error', message, correlationId: randomUUID(), category, ...extra });
}

/** 429 exactly as HubSpot's ten-secondly rolling limit answers (headers: ./rateHeaders.ts). */
export function rateLimited(reply: FastifyReply): void {
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
