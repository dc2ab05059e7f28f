/**
 * Server-side cost of a revenue view's statement (EXPLAIN ANALYZE), with the plan PostgreSQL
 * chooses for the parameters (custom) and the generic plan a named statement settles on after
 * five executions — so a slow p50/p99 can be told apart from network, pool and Node time.
 * The statement is captured from src/revenue's own queryRevenue, never copied.
 */
import type { Pool, Queryable } from '../../src/db/index.ts';
import { queryRevenue, type BucketKind, type RevenueFilters } from '../../src/revenue/index.ts';

/** Planning and execution ms of both plans. */
export interface RevenuePlanCost {
  custom: { planningMs: number; executionMs: number };
  generic: { planningMs: number; executionMs: number };
}

class Captured extends Error {
  constructor(readonly text: string, readonly values: unknown[]) {
    super('captured');
  }
}

/** EXPLAIN ANALYZE the statement `queryRevenue` runs for these filters. */
export async function explainRevenue(pool: Pool, filters: RevenueFilters, kind: BucketKind): Promise<RevenuePlanCost> {
  const spy: Queryable = {
    query: (async (q: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
      throw typeof q === 'string' ? new Captured(q, values ?? []) : new Captured(q.text, q.values ?? []);
    }) as Queryable['query'],
  };
  let captured: Captured | undefined;
  try {
    await queryRevenue(spy, filters, kind);
  } catch (err) {
    if (!(err instanceof Captured)) throw err;
    captured = err;
  }
  if (!captured) throw new Error('queryRevenue ran no statement');
  const client = await pool.connect();
  try {
    const cost = async (sql: string, values: unknown[]) => {
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ 'Planning Time': number; 'Execution Time': number }> }>(sql, values);
      const plan = rows[0]?.['QUERY PLAN'][0];
      return { planningMs: plan?.['Planning Time'] ?? Number.NaN, executionMs: plan?.['Execution Time'] ?? Number.NaN };
    };
    const custom = await cost(`EXPLAIN (ANALYZE, FORMAT JSON) ${captured.text}`, captured.values);
    await client.query(`PREPARE bench_revenue_generic AS ${captured.text}`);
    await client.query('SET plan_cache_mode = force_generic_plan');
    const args = captured.values.map((v) => (v === null ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`)).join(', ');
    const generic = await cost(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE bench_revenue_generic(${args})`, []);
    return { custom, generic };
  } finally {
    await client.query('DEALLOCATE bench_revenue_generic').catch(() => undefined);
    await client.query('RESET plan_cache_mode').catch(() => undefined);
    client.release();
  }
}
