/**
 * Idempotency-Key support backed by PostgreSQL (SPEC §7). The first request with a key claims
 * it (one INSERT … ON CONFLICT statement decides the one winner among concurrent requests); its
 * response is stored when sent, or by the handler inside its own transaction. Later requests with the same key: same request → the stored
 * status and body replayed; different request → 422; first still running → 409. Keys expire
 * after 24 h. A 5xx releases the key so the client may retry.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'safe-stable-stringify';
import type { Pool, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';

const TTL = '24 hours';
// A claim whose request never finished (process died) is taken over after this.
const IN_FLIGHT_LEASE = '60 seconds';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const CLAIM_SQL = `
INSERT INTO idempotency_keys AS k (scope, key, request_hash, status, locked_until, expires_at)
VALUES ($1, $2, $3, 'in_flight', now() + interval '${IN_FLIGHT_LEASE}', now() + interval '${TTL}')
ON CONFLICT (scope, key) DO UPDATE SET
  request_hash = EXCLUDED.request_hash,
  status = 'in_flight',
  response_code = NULL,
  response_body = NULL,
  locked_until = EXCLUDED.locked_until,
  created_at = CASE WHEN k.expires_at < now() THEN now() ELSE k.created_at END,
  expires_at = CASE WHEN k.expires_at < now() THEN EXCLUDED.expires_at ELSE k.expires_at END
WHERE k.expires_at < now()
   OR (k.status = 'in_flight' AND k.request_hash = EXCLUDED.request_hash AND k.locked_until < now())
RETURNING 1`;

const STORE_SQL = `UPDATE idempotency_keys SET status = 'done', response_code = $3, response_body = $4::jsonb WHERE scope = $1 AND key = $2`;

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
 * Must run after the auth hook (the scope includes the caller).
 */
export async function requireIdempotencyKey(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key) throw new AppError('idempotency_key_required', 'Idempotency-Key header is required on this request');
  if (!KEY_PATTERN.test(key)) throw new AppError('validation_failed', 'Idempotency-Key must be 1–255 printable ASCII characters', { details: { field: 'Idempotency-Key' } });
  const scope = `${request.principal ?? 'anonymous'}:${request.method}:${request.routeOptions.url ?? request.url}`;
  const fingerprint = requestFingerprint(request.method, request.url, request.body);
  const pool = request.server.idempotencyPool;

  // One statement decides the claim: a fresh key inserts; an expired key (any owner) or an
  // abandoned in-flight claim of the same request is taken over by the conflict update; a live
  // key returns no row. Concurrent claimers queue on the row lock and see the winner's row.
  const claimed = await pool.query({ name: 'idempotency_claim', text: CLAIM_SQL, values: [scope, key, fingerprint] });
  if (claimed.rowCount === 1) {
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

/**
 * Store a handler's response under its request's idempotency claim inside the handler's own
 * transaction, so the effect and its replayable response commit together: a crash after the
 * COMMIT can no longer leave a key that runs the request a second time. Call
 * {@link markIdempotentResponseStored} once that transaction has committed; until then the
 * onSend hook still owns the claim (and releases it if the request ends in a 5xx).
 */
export async function storeIdempotentResponseIn(tx: Queryable, request: FastifyRequest, statusCode: number, body: unknown): Promise<void> {
  const claim = request.idempotencyClaim;
  if (!claim) return;
  await tx.query({ name: 'idempotency_store', text: STORE_SQL, values: [claim.scope, claim.key, statusCode, JSON.stringify(body ?? null)] });
}

/** The response was stored by {@link storeIdempotentResponseIn} and committed: onSend has nothing left to do. */
export function markIdempotentResponseStored(request: FastifyRequest): void {
  request.idempotencyClaim = undefined;
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
  await pool.query({ name: 'idempotency_store', text: STORE_SQL, values: [claim.scope, claim.key, reply.statusCode, JSON.stringify(body)] });
  return payload;
}

/** Delete expired keys; returns how many (run by the scheduler's maintenance loop). */
export async function purgeExpiredIdempotencyKeys(pool: Pool): Promise<number> {
  const res = await pool.query('DELETE FROM idempotency_keys WHERE expires_at < now()');
  return res.rowCount ?? 0;
}
