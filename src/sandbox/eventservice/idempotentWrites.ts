/**
 * Idempotency-Key on the event service's writes, the way Stripe honours it: the first request
 * with a key runs and its result is kept for 24 h; the same key with the same body answers that
 * result again (`Idempotent-Replayed: true`) without a second write; the same key with another
 * body is refused (400); while the first is still running the key answers 409. Like Stripe, a
 * request refused before it ran (load shedding, invalid body) keeps nothing, so it may be retried.
 */
import { stringify } from 'safe-stable-stringify';

/** A kept result of a write. */
export interface KeptResult {
  status: number;
  body: unknown;
}

/** What the key says about an incoming write. */
export type KeyVerdict = { kind: 'new' } | { kind: 'replay'; result: KeptResult } | { kind: 'mismatch' } | { kind: 'in_progress' };

/** Keys of in-progress and finished writes. */
export interface IdempotentWrites {
  /** Look `key` up for a write with `body`; 'new' means the caller may run it (then `start`). */
  check(key: string, body: unknown): KeyVerdict;
  /** The write under `key` starts running. */
  start(key: string, body: unknown): void;
  /** The write under `key` ended with `result`: keep it. */
  finish(key: string, result: KeptResult): void;
  /** Replays answered so far. */
  replays(): number;
}

const KEEP_MS = 24 * 60 * 60 * 1000;

/** An empty key store reading time from `now`. */
export function createIdempotentWrites(now: () => number): IdempotentWrites {
  const keys = new Map<string, { bodyHash: string; at: number; result?: KeptResult }>();
  let replays = 0;
  return {
    check(key, body) {
      const entry = keys.get(key);
      if (!entry || now() - entry.at > KEEP_MS) return { kind: 'new' };
      if (entry.bodyHash !== hashBody(body)) return { kind: 'mismatch' };
      if (!entry.result) return { kind: 'in_progress' };
      replays++;
      return { kind: 'replay', result: entry.result };
    },
    start(key, body) {
      keys.set(key, { bodyHash: hashBody(body), at: now() });
    },
    finish(key, result) {
      const entry = keys.get(key);
      if (entry) entry.result = result;
    },
    replays: () => replays,
  };
}

// Canonical JSON: the same parameters in another key order are the same request.
function hashBody(body: unknown): string {
  return stringify(body ?? null) ?? 'null';
}
