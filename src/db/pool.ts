/** The one connection pool and the transaction helpers every module uses. */
import pg from 'pg';
import { isTransientDbError } from './errors.ts';

/** The pool type shared across modules. */
export type Pool = pg.Pool;
/** A client checked out of the pool (inside a transaction). */
export type PoolClient = pg.PoolClient;
/** Anything that can run a query: the pool or a client in a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

// bigint (int8) and numeric come back as strings by default; money sums are exact bigint and
// must stay exact, so we keep int8 as string in the driver and convert with BigInt where needed.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

/** Create the pool; `max` defaults to 20 connections. */
export function createPool(url: string, opts: { max?: number; application?: string } = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 20,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: opts.application ?? 'buffalo',
    // Pipeline mode: a query is written as soon as it is issued instead of after the previous
    // answer, so statements a transaction issues back to back share one round trip (BEGIN with
    // the first statement, the last with COMMIT). Results still arrive in order; no code here
    // uses cursors or the `rows` option, which pipeline mode refuses.
    pipeline: true,
  });
  // An idle client losing its connection (server restart) must not crash the process;
  // the next checkout gets a fresh connection.
  pool.on('error', () => undefined);
  pool.on('connect', coalesceWrites);
  return pool;
}

/**
 * One socket write per burst instead of one per statement: node-postgres writes (and so makes
 * a system call, which on loopback TCP also pays the receiving side's delivery) for every query
 * it sends. Statements issued in the same tick — BEGIN with a transaction's first statements,
 * the last ones with COMMIT — are pipelined anyway; corking the socket until the tick ends
 * sends them in one write. Nothing waits longer: the socket is uncorked before any I/O runs.
 */
function coalesceWrites(client: pg.PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (!stream?.cork || !stream.uncork) return;
  const { cork, uncork } = { cork: stream.cork.bind(stream), uncork: stream.uncork.bind(stream) };
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  let corked = false;
  const uncorkNow = () => {
    corked = false;
    uncork();
  };
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    if (!corked) {
      corked = true;
      cork();
      process.nextTick(uncorkNow);
    }
    return query(...args);
  };
}

/** What {@link withTransaction} hands its callback besides the client. */
export interface TransactionContext {
  /**
   * Send a statement's promise along with COMMIT instead of awaiting it first: on the pipelined
   * connection the statement and COMMIT travel together. withTransaction awaits it with COMMIT;
   * if it failed, the transaction is rolled back and its error is thrown.
   */
  alongCommit(statement: Promise<unknown>): void;
}

/** Run `fn` inside BEGIN/COMMIT; rolls back on any error and rethrows it. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient, ctx: TransactionContext) => Promise<T>, isolation?: 'serializable' | 'repeatable read'): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A connection that dies while checked out (server restart, pg_terminate_backend) emits
  // 'error' on the client; unheard, that event would crash the process. The failing query
  // rejects anyway, so the listener only has to exist.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  const pending: Array<Promise<unknown>> = [];
  const ctx: TransactionContext = {
    alongCommit(statement) {
      statement.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
      pending.push(statement);
    },
  };
  try {
    // Not awaited: pipelined with fn's first statement. A failed BEGIN fails what follows too.
    const begun = client.query(isolation ? `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}` : 'BEGIN');
    begun.catch(() => undefined);
    const result = await fn(client, ctx);
    // COMMIT is issued before anything is awaited: when fn only issued statements (handing them
    // to alongCommit), the whole transaction — BEGIN to COMMIT — leaves in one write.
    const commit = client.query('COMMIT');
    commit.catch(() => undefined);
    await begun;
    for (const statement of pending) await statement;
    // COMMIT of a transaction that a failed statement aborted answers ROLLBACK, not an error.
    if ((await commit).command !== 'COMMIT') throw new Error('transaction was rolled back at COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken || undefined);
  }
}

/** Options of {@link withDbRetry}. */
export interface DbRetryOptions {
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Retry `fn` on transient database errors (connection reset/refused, pool timeout, 40001,
 * 40P01, 57P01, 57P03) with exponential backoff and full jitter. `fn` must be a whole
 * transaction, so a retry never repeats half of one.
 */
export async function withDbRetry<T>(fn: () => Promise<T>, opts: DbRetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? 5000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      const waitMs = Math.round(Math.random() * Math.min(max, base * 2 ** (attempt - 1)));
      opts.onRetry?.(err, attempt, waitMs);
      await sleep(waitMs);
    }
  }
}
