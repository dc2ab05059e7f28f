/**
 * Idempotency-Key support backed by PostgreSQL (SPEC §7). The first request with a key claims
 * it (INSERT … ON CONFLICT DO NOTHING decides the one winner among concurrent requests); its
 * response is stored when sent. Later requests with the same key: same request → the stored
 * status and body replayed; different request → 422; first still running → 409. Keys expire
 * after 24 h. A 5xx releases the key so the client may retry.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'safe-stable-stringify';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';

const TTL = '24 hours';
// A claim whose request never finished (process died) is taken over after this.
const IN_FLIGHT_LEASE = '60 seconds';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

declare module 'fastify' {
  interface FastifyInstance {
    /** Pool backing the idempotency store. */
    idempotencyPool: Pool;
  }
  interface FastifyRequest {
    /** Set when this request holds an idempotency claim. */
    idempotencyClaim?: { scope: string; key: string };
  }
}

/** Hash of what makes two requests "the same": method, path with query, canonical JSON body. */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method}\n${url}\n${stringify(body ?? null)}`).digest('hex');
}

/**
 * preHandler for mutating routes: requires `Idempotency-Key`, claims it or replays/rejects.
 * Must run after the auth preHandler (the scope includes the caller).
 */
export async function requireIdempotencyKey(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key) throw new AppError('idempotency_key_required', 'Idempotency-Key header is required on this request');
  if (!KEY_PATTERN.test(key)) throw new AppError('validation_failed', 'Idempotency-Key must be 1–255 printable ASCII characters', { details: { field: 'Idempotency-Key' } });
  const scope = `${request.principal ?? 'anonymous'}:${request.method}:${request.routeOptions.url ?? request.url}`;
  const fingerprint = requestFingerprint(request.method, request.url, request.body);
  const pool = request.server.idempotencyPool;

  // Separate statement: inside one statement the INSERT would still see the expired row.
  await pool.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at < now()', [scope, key]);
  const claimed = await pool.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status, locked_until, expires_at)
     VALUES ($1, $2, $3, 'in_flight', now() + interval '${IN_FLIGHT_LEASE}', now() + interval '${TTL}')
     ON CONFLICT (scope, key) DO NOTHING`,
    [scope, key, fingerprint],
  );
  if (claimed.rowCount === 1) {
    request.idempotencyClaim = { scope, key };
    return;
  }
  // Someone holds the key. An abandoned in-flight claim is taken over atomically.
  const takeover = await pool.query(
    `UPDATE idempotency_keys SET locked_until = now() + interval '${IN_FLIGHT_LEASE}'
      WHERE scope = $1 AND key = $2 AND status = 'in_flight' AND request_hash = $3 AND locked_until < now()`,
    [scope, key, fingerprint],
  );
  if (takeover.rowCount === 1) {
    request.idempotencyClaim = { scope, key };
    return;
  }
  const { rows } = await pool.query<{ request_hash: string; status: string; response_code: number | null; response_body: unknown }>(
    'SELECT request_hash, status, response_code, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  const existing = rows[0];
  if (!existing) {
    // Expired and deleted between our statements: treat as in use; the client retries.
    throw new AppError('idempotency_key_in_use', 'a request with this Idempotency-Key is in progress; retry shortly');
  }
  if (existing.request_hash !== fingerprint) {
    throw new AppError('idempotency_key_reused', 'this Idempotency-Key was already used for a different request');
  }
  if (existing.status === 'in_flight') {
    throw new AppError('idempotency_key_in_use', 'a request with this Idempotency-Key is in progress; retry shortly', { details: { retryAfter: 1 } });
  }
  return reply
    .code(existing.response_code ?? 200)
    .header('idempotent-replayed', 'true')
    .header('content-type', 'application/json; charset=utf-8')
    .send(existing.response_body);
}

/** onSend hook: store the response of a request that holds a claim (or release it on 5xx). */
export async function storeIdempotentResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const claim = request.idempotencyClaim;
  if (!claim) return payload;
  request.idempotencyClaim = undefined;
  const pool = request.server.idempotencyPool;
  if (reply.statusCode >= 500) {
    await pool.query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status = 'in_flight'", [claim.scope, claim.key]);
    return payload;
  }
  let body: unknown = null;
  if (typeof payload === 'string' && payload.length > 0) {
    try {
      body = JSON.parse(payload);
    } catch {
      body = payload;
    }
  }
  await pool.query(
    `UPDATE idempotency_keys SET status = 'done', response_code = $3, response_body = $4::jsonb WHERE scope = $1 AND key = $2`,
    [claim.scope, claim.key, reply.statusCode, JSON.stringify(body)],
  );
  return payload;
}

/** Delete expired keys; returns how many (run by the scheduler's maintenance loop). */
export async function purgeExpiredIdempotencyKeys(pool: Pool): Promise<number> {
  const res = await pool.query('DELETE FROM idempotency_keys WHERE expires_at < now()');
  return res.rowCount ?? 0;
}
