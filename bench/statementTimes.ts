/**
 * Where a code path's database time goes, by statement kind: a pool whose clients time every
 * query from send to answer, labelled by its command and the table it writes (or the first
 * one it reads), for the figures' "per component" breakdowns. Pipelined statements overlap, so
 * the times are each statement's wait as its caller saw it, not exclusive server time.
 */
import type { Pool, PoolClient } from '../src/db/index.ts';

/** Accumulated wall ms and count per statement label. */
export type StatementTimes = Map<string, { ms: number; n: number }>;

/** A short label for `sql`: "commit", "insert payments", "update jobs", "select jobs", … */
export function statementLabel(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  const tx = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|ROLLBACK TO)\b/i.exec(text);
  if (tx) return (tx[1] as string).toLowerCase();
  const write = /(?<!FOR )\b(INSERT INTO|UPDATE|DELETE FROM)\s+("?[\w.]+"?)/i.exec(text);
  if (write) return `${(write[1] as string).split(' ')[0]?.toLowerCase()} ${(write[2] as string).replaceAll('"', '')}`;
  const read = /\bFROM\s+("?[\w.]+"?)/i.exec(text);
  return read ? `select ${(read[1] as string).replaceAll('"', '')}` : text.slice(0, 30);
}

/** `pool` with every checked-out client's queries timed into `times` (pool.query itself is not timed). */
export function timingPool(pool: Pool, times: StatementTimes): Pool {
  const wrap = (client: PoolClient): PoolClient => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    return new Proxy(client, {
      get(target, prop, receiver) {
        if (prop !== 'query') {
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        }
        return (...args: unknown[]) => {
          const first = args[0];
          const sql = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
          const label = statementLabel(sql);
          const t0 = performance.now();
          const settle = () => {
            const e = times.get(label) ?? { ms: 0, n: 0 };
            e.ms += performance.now() - t0;
            e.n += 1;
            times.set(label, e);
          };
          const p = query(...args);
          p.then(settle, settle);
          return p;
        };
      },
    });
  };
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'connect') return async () => wrap(await target.connect());
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
