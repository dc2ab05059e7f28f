/** Transactions shared by concurrent requests (group commit), each request still all-or-nothing. */
import { batchWhileBusy, type BatchOutcome, type BatchWhileBusyOptions } from './batchWhileBusy.ts';
import { isTransientDbError } from './errors.ts';
import { withTransaction, type Pool, type PoolClient, type TransactionContext } from './pool.ts';

/**
 * One request's share of a transaction: it issues its statements on `tx` without awaiting them
 * (handing each to `ctx.alongCommit`) and returns what its caller gets once COMMIT succeeded —
 * promises of its statements' results, wrapped so nothing awaits them before COMMIT.
 */
export type TransactionPart<T> = (tx: PoolClient, ctx: TransactionContext) => T;

/** Runs a {@link TransactionPart} in a transaction; resolves after COMMIT. */
export type TransactionRunner = <T>(part: TransactionPart<T>) => Promise<T>;

/** Each part in its own transaction. */
export function singleTransactions(pool: Pool): TransactionRunner {
  return (part) => withTransaction(pool, async (tx, ctx) => part(tx, ctx));
}

/**
 * Parts submitted while earlier transactions are in flight share the next transaction: one
 * round trip and one WAL flush for all of them. A part is still atomic with itself, and no part
 * can fail another: when a shared transaction is refused by the database (any statement's
 * ERROR — then nothing of it committed), every part runs again alone, so only the failing part
 * fails. An error that leaves the outcome unknown (the connection lost around COMMIT) is
 * reported to every part of the batch, exactly as a lone transaction would report it.
 */
export function createGroupCommitter(pool: Pool, opts: Pick<BatchWhileBusyOptions<unknown>, 'maxBatch' | 'maxInFlight' | 'name'> = {}): TransactionRunner {
  const alone = singleTransactions(pool);
  const run = batchWhileBusy<TransactionPart<unknown>, unknown>(
    (parts) =>
      togetherOrAlone(
        parts,
        (all) => withTransaction(pool, async (tx, ctx) => all.map((part) => part(tx, ctx))),
        (part) => alone(part),
      ),
    opts,
  );
  return run as TransactionRunner;
}

/**
 * Write `items` together; when the database refused that (nothing of it took effect), write each
 * alone, so only the item at fault fails with its own error. When the outcome is unknown (the
 * connection lost, a FATAL error — it may have taken effect) nothing is written again: every item
 * fails with that error, as it would have alone. One item is simply written alone.
 */
export async function togetherOrAlone<I, R>(items: I[], together: (items: I[]) => Promise<R[]>, alone: (item: I) => Promise<R>): Promise<BatchOutcome<R>> {
  if (items.length === 1) return settleAll([alone(items[0] as I)]);
  try {
    return (await together(items)).map((value) => ({ ok: true as const, value }));
  } catch (err) {
    if (!certainlyRolledBack(err)) return items.map(() => ({ ok: false as const, error: err }));
    return settleAll(items.map((item) => alone(item)));
  }
}

async function settleAll<R>(runs: Array<Promise<R>>): Promise<BatchOutcome<R>> {
  return (await Promise.allSettled(runs)).map((r) => (r.status === 'fulfilled' ? { ok: true, value: r.value } : { ok: false, error: r.reason }));
}

/**
 * True when the failed write certainly did not take effect: the database answered an ERROR
 * (a transaction is then aborted, and COMMIT answers ROLLBACK; a lone statement is undone), or
 * the caller threw before COMMIT was sent. False for a lost connection or a FATAL error, which may arrive after a COMMIT took
 * effect — running the parts again could then write them twice.
 */
function certainlyRolledBack(err: unknown): boolean {
  for (let e = err as { severity?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.severity !== undefined) return e.severity === 'ERROR';
  }
  // No answer from the database at all: a connection-level failure is ambiguous, anything else
  // was thrown by a part before COMMIT was sent.
  return !isTransientDbError(err);
}
