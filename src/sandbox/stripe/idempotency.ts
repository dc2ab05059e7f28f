/**
 * `Idempotency-Key` on POST requests, as Stripe honours it: the first request with a key (per API
 * key) runs and its answer is kept for 24 hours; the same key with the same endpoint and
 * parameters answers that result again with `Idempotent-Replayed: true` and writes nothing; the
 * same key with other parameters is a 400 `idempotency_error`. A request refused by validation
 * before it ran keeps nothing, so it can be corrected and retried under the same key.
 */
import { stringify } from 'safe-stable-stringify';

/** An answer kept under a key. */
export interface KeptAnswer {
  status: number;
  body: unknown;
}

/** Verdict on an incoming request that carries a key. */
export type KeyVerdict = { kind: 'new' } | { kind: 'replay'; answer: KeptAnswer } | { kind: 'mismatch' };

/** The keys seen by one simulator. */
export interface IdempotencyKeys {
  check(scope: string, key: string, request: unknown): KeyVerdict;
  keep(scope: string, key: string, request: unknown, answer: KeptAnswer): void;
}

const KEEP_MS = 24 * 3_600_000;

/** An empty key store; `now` is simulated time (ms). */
export function createIdempotencyKeys(now: () => number): IdempotencyKeys {
  const kept = new Map<string, { hash: string; at: number; answer: KeptAnswer }>();
  // Canonical JSON: the same parameters sent in another order are the same request.
  const hash = (request: unknown) => stringify(request ?? null) ?? 'null';
  return {
    check(scope, key, request) {
      const entry = kept.get(`${scope}\u0000${key}`);
      if (!entry || now() - entry.at > KEEP_MS) return { kind: 'new' };
      return entry.hash === hash(request) ? { kind: 'replay', answer: entry.answer } : { kind: 'mismatch' };
    },
    keep(scope, key, request, answer) {
      kept.set(`${scope}\u0000${key}`, { hash: hash(request), at: now(), answer });
    },
  };
}
