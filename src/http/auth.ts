/**
 * API-key auth: `X-Api-Key` for read and business endpoints, `X-Admin-Api-Key` for admin
 * endpoints. Keys are compared as SHA-256 digests with timingSafeEqual, so neither the key's
 * content nor its length leaks through timing. Routes run these as `onRequest` hooks, so a caller
 * without a key gets 401 before its query or body is validated (no field details for strangers).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/** The keys an app instance accepts. */
export interface AuthKeys {
  apiKey: string;
  adminApiKey: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Digests of the configured keys (never the keys themselves). */
    authDigests: { api: Buffer; admin: Buffer };
  }
  interface FastifyRequest {
    /** Who called: 'api' or 'admin' key holder, or a JWT subject (orders). */
    principal?: string;
  }
}

/** SHA-256 of a key; digests have a fixed length, which timingSafeEqual needs. */
export function digestKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Constant-time check of a presented key against a stored digest. */
export function keyMatches(presented: unknown, digest: Buffer): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  return timingSafeEqual(digestKey(presented), digest);
}

/** onRequest hook: require `X-Api-Key` (the admin key is accepted too). */
export async function requireApiKey(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const { api, admin } = request.server.authDigests;
  if (keyMatches(request.headers['x-api-key'], api)) {
    request.principal = 'api';
    return;
  }
  if (keyMatches(request.headers['x-admin-api-key'], admin) || keyMatches(request.headers['x-api-key'], admin)) {
    request.principal = 'admin';
    return;
  }
  throw new AppError('unauthorized', 'missing or invalid X-Api-Key header');
}

/** onRequest hook: require `X-Admin-Api-Key`. */
export async function requireAdminKey(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (keyMatches(request.headers['x-admin-api-key'], request.server.authDigests.admin)) {
    request.principal = 'admin';
    return;
  }
  throw new AppError('unauthorized', 'missing or invalid X-Admin-Api-Key header');
}
