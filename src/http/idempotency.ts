/**
 * Idempotency-Key support backed by PostgreSQL. The first request with a key claims it (one
 * INSERT … ON CONFLICT statement decides the one winner among concurrent requests); its response
 * is stored when sent, or by the handler inside its own transaction. Later requests with the
 * same key: same request → the stored status and body replayed; different request → 422; first
 * still running → 409. Keys expire after 24 h. A "retry later" answer (5xx, 429, 409 in use)
 * releases the key so the client may retry.
 *
 * Exactly-once (docs/architecture.md, "Idempotency"): every claim carries a fresh fencing token
 * that the store and the release check, so a request stalled past its lease can neither commit
 * its effect (the in-transaction store raises and rolls it back) nor answer for the key once a
 * retry took the claim over. Effects outside our database are keyed upstream by the claim's
 * effect key, recorded before the call and kept across takeovers and releases.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'safe-stable-stringify';
import { deleteInBatches, storableJson, type Pool, type Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { claimKey } from './claimKeys.ts';

/** Default in-flight lease: a claim whose request never finished (process died) is taken over after this. */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
// SQLSTATE raised by idempotency_store() (migration 0011) when the claim is no longer ours.
const CLAIM_LOST = 'BF409';

// Both only touch the claim this request still holds: after a takeover they match nothing.
const STORE_SQL = `UPDATE idempotency_keys SET status = 'done', response_code = $4, response_body = $5::jsonb WHERE scope = $1 AND key = $2 AND claim_token = $3 AND status = 'in_flight'`;
const RELEASE_SQL = `UPDATE idempotency_keys SET status = 'released' WHERE scope = $1 AND key = $2 AND claim_token = $3 AND status = 'in_flight'`;
const STORE_IN_TX_SQL = 'SELECT idempotency_store($1, $2, $3, $4, $5::jsonb)';

/** The claim a request holds on its Idempotency-Key. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  /** Fencing token of this claim; a takeover replaces it. */
  token: string;
  /** The key's identity towards upstreams (their Idempotency-Key); survives takeovers. */
  effectKey: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Pool backing the idempotency store. */
    idempotencyPool: Pool;
    /** How long an in-flight claim holds its key before another request may take it over. */
    idempotencyLeaseMs: number;
  }
  interface FastifyRequest {
    /** Set when this request holds an idempotency claim. */
    idempotencyClaim?: IdempotencyClaim;
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
  const won = await claimKey(pool, { scope, key, fingerprint, leaseMs: request.server.idempotencyLeaseMs });
  if (won) {
    request.idempotencyClaim = { scope, key, ...won };
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
  if (existing.status !== 'done') {
    throw new AppError('idempotency_key_in_use', 'a request with this Idempotency-Key is in progress; retry shortly', { details: { retryAfter: 1 } });
  }
  return reply
    .code(existing.response_code ?? 200)
    .header('idempotent-replayed', 'true')
    .header('content-type', 'application/json; charset=utf-8')
    .send(existing.response_body);
}

/**
 * Fields of a stored response body that only the database knows yet (e.g. a row's `created_at`
 * default): a jsonb expression merged into the body inside the store statement, so the store can
 * be sent in the same flight as the statement that writes the row instead of after its answer.
 * Its parameters are numbered from $6.
 */
export interface StoredBodyCompletion {
  /** Distinguishes the prepared statement (one per distinct `sql`). */
  name: string;
  /** A jsonb-valued SQL expression. */
  sql: string;
  values: unknown[];
}

/**
 * Store a handler's response under its request's idempotency claim inside the handler's own
 * transaction, so the effect and its replayable response commit together. The statement raises
 * when the claim is no longer this request's (a retry took it over after the lease, or the key
 * was already answered), which aborts the transaction: the effect then never commits twice.
 * That case surfaces as AppError 409 idempotency_key_in_use (retry to get the stored answer).
 * Call {@link markIdempotentResponseStored} once the transaction has committed; until then the
 * onSend hook still owns the claim (and releases it if the request ends in a 5xx).
 */
export async function storeIdempotentResponseIn(tx: Queryable, request: FastifyRequest, statusCode: number, body: unknown, completedBy?: StoredBodyCompletion): Promise<void> {
  const claim = request.idempotencyClaim;
  if (!claim) return;
  const values = [claim.scope, claim.key, claim.token, statusCode, storedBody(request, body)];
  const statement = completedBy
    ? { name: `idempotency_store_in_tx_${completedBy.name}`, text: `SELECT idempotency_store($1, $2, $3, $4, $5::jsonb || (${completedBy.sql}))`, values: [...values, ...completedBy.values] }
    : { name: 'idempotency_store_in_tx', text: STORE_IN_TX_SQL, values };
  try {
    await tx.query(statement);
  } catch (err) {
    if ((err as { code?: unknown }).code !== CLAIM_LOST) throw err;
    throw new AppError('idempotency_key_in_use', 'this request outlived its Idempotency-Key lease and another request with the key took over; nothing was done here — retry for its answer', {
      cause: err,
      details: { retryAfter: 1 },
    });
  }
}

/** The response was stored by {@link storeIdempotentResponseIn} and committed: onSend has nothing left to do. */
export function markIdempotentResponseStored(request: FastifyRequest): void {
  request.idempotencyClaim = undefined;
}

/**
 * The key to send upstream as `Idempotency-Key` for this request's external effect: the same
 * for every retry and takeover of the same request, so the upstream makes the effect once.
 */
export function idempotencyEffectKey(request: FastifyRequest): string | undefined {
  return request.idempotencyClaim?.effectKey;
}

/** onSend hook: store the response of a request that holds a claim (or release the claim on a "retry later" answer). */
export async function storeIdempotentResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const claim = request.idempotencyClaim;
  if (!claim) return payload;
  request.idempotencyClaim = undefined;
  const pool = request.server.idempotencyPool;
  let body: unknown = null;
  if (typeof payload === 'string' && payload.length > 0) {
    try {
      body = JSON.parse(payload);
    } catch {
      body = payload;
    }
  }
  const claimKey = [claim.scope, claim.key, claim.token];
  if (retryLater(reply.statusCode, body)) {
    // Released, not deleted: the effect key survives, so a retry repeats the same upstream request.
    await pool.query({ name: 'idempotency_release', text: RELEASE_SQL, values: claimKey });
    return payload;
  }
  const stored = await pool.query({ name: 'idempotency_store', text: STORE_SQL, values: [...claimKey, reply.statusCode, storedBody(request, body)] });
  if (stored.rowCount === 0) request.log.warn({ key: claim.key }, 'idempotency claim was taken over while this request ran; its response was not stored');
  return payload;
}

// A response may carry upstream content jsonb cannot hold (NUL, unpaired surrogates): stored with
// those replaced by U+FFFD rather than failing the store after the effect happened, so a replay
// answers what the client was sent as far as jsonb can hold it.
function storedBody(request: FastifyRequest, body: unknown): string {
  const { json, report } = storableJson(body);
  if (report) request.log.warn({ nul: report.nul, loneSurrogates: report.loneSurrogates, paths: report.paths }, 'idempotent response stored with characters PostgreSQL cannot hold replaced by U+FFFD');
  return json;
}

// Answers that ask the client to try again are not the request's outcome: never replay them.
function retryLater(status: number, body: unknown): boolean {
  return status >= 500 || status === 429 || (status === 409 && (body as { error?: unknown } | null)?.error === 'idempotency_key_in_use');
}

const EXPIRED_SQL = 'DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(SELECT ctid FROM idempotency_keys WHERE expires_at < now() LIMIT $1))';

/** Delete expired keys; returns how many (run by the maintenance loop, src/maintenance). */
export function purgeExpiredIdempotencyKeys(db: Queryable): Promise<number> {
  return deleteInBatches(db, EXPIRED_SQL, []);
}
