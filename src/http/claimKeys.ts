/**
 * Claiming Idempotency-Keys, many requests per statement. Every mutating request claims its key
 * before anything else, and a lone INSERT is its own transaction with its own WAL flush; claims
 * arriving while earlier ones are in flight are written by one statement instead (group commit,
 * src/db batchWhileBusy). Each row still decides its own claim exactly as a lone statement would;
 * a statement the database refused is retried claim by claim (togetherOrAlone).
 */
import { batchWhileBusy, togetherOrAlone, type BatchedCall, type BatchOutcome, type Pool } from '../db/index.ts';

const TTL = '24 hours';

// A takeover of an abandoned claim, or a retry of a released one, is the same request again:
// it keeps the effect key so upstreams see the same key and answer the first call's result.
// An expired key, or a released one reused for a different request, starts a new effect.
// Rows are inserted in key order, so two batches lock shared keys in the same order (no deadlock).
const CLAIM_SQL = `
INSERT INTO idempotency_keys AS k (scope, key, request_hash, status, locked_until, expires_at)
SELECT t.scope, t.key, t.request_hash, 'in_flight', now() + t.lease_ms * interval '1 millisecond', now() + interval '${TTL}'
FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS t(scope, key, request_hash, lease_ms)
ORDER BY t.scope, t.key
ON CONFLICT (scope, key) DO UPDATE SET
  request_hash = EXCLUDED.request_hash,
  status = 'in_flight',
  response_code = NULL,
  response_body = NULL,
  locked_until = EXCLUDED.locked_until,
  claim_token = EXCLUDED.claim_token,
  effect_key = CASE WHEN k.expires_at < now() OR k.request_hash <> EXCLUDED.request_hash THEN EXCLUDED.effect_key ELSE k.effect_key END,
  created_at = CASE WHEN k.expires_at < now() THEN now() ELSE k.created_at END,
  expires_at = CASE WHEN k.expires_at < now() THEN EXCLUDED.expires_at ELSE k.expires_at END
WHERE k.expires_at < now()
   OR k.status = 'released'
   OR (k.status = 'in_flight' AND k.request_hash = EXCLUDED.request_hash AND k.locked_until < now())
RETURNING scope, key, claim_token, effect_key`;

/** One request's claim attempt. */
export interface ClaimRequest {
  scope: string;
  key: string;
  /** What makes two requests with the key "the same" (requestFingerprint). */
  fingerprint: string;
  /** How long the claim holds the key while its request runs. */
  leaseMs: number;
}

/** The won claim's fencing token and effect key, or null when the key is held or answered. */
export type ClaimResult = { token: string; effectKey: string } | null;

const claimers = new WeakMap<Pool, BatchedCall<ClaimRequest, ClaimResult>>();

/** Claim `request.key` for this request: one statement decides among concurrent claimers. */
export function claimKey(pool: Pool, request: ClaimRequest): Promise<ClaimResult> {
  let claim = claimers.get(pool);
  if (!claim) {
    // Two requests with one key never share a statement (a row can be claimed once per
    // statement); the later one is decided by the next, and sees the first one's claim.
    claim = batchWhileBusy((batch) => claimBatch(pool, batch), { exclusiveKey: (r) => `${r.scope}\n${r.key}`, name: 'idempotency_claims' });
    claimers.set(pool, claim);
  }
  return claim(request);
}

// A statement succeeds or fails as a whole; togetherOrAlone decides each claim of a refused one alone.
function claimBatch(pool: Pool, batch: ClaimRequest[]): Promise<BatchOutcome<ClaimResult>> {
  return togetherOrAlone(
    batch,
    (claims) => claimStatement(pool, claims),
    async (claim) => (await claimStatement(pool, [claim]))[0] ?? null,
  );
}

async function claimStatement(pool: Pool, batch: ClaimRequest[]): Promise<ClaimResult[]> {
  const { rows } = await pool.query<{ scope: string; key: string; claim_token: string; effect_key: string }>({
    name: 'idempotency_claim',
    text: CLAIM_SQL,
    values: [batch.map((r) => r.scope), batch.map((r) => r.key), batch.map((r) => r.fingerprint), batch.map((r) => r.leaseMs)],
  });
  const won = new Map(rows.map((r) => [`${r.scope}\n${r.key}`, { token: r.claim_token, effectKey: r.effect_key }]));
  return batch.map((r) => won.get(`${r.scope}\n${r.key}`) ?? null);
}
