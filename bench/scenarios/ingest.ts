/**
 * ingest: outbox records normalized and upserted per second by the real processor
 * (createIngestProcessor, several in parallel, each looping runOnce) vs the physical limit: a raw
 * SQL batched upsert (multi-row INSERT … ON CONFLICT) of the same rows, already normalized, from
 * as many lanes, into a copy of `payments` without its triggers (same columns, indexes and
 * constraints: `LIKE payments INCLUDING ALL`). For context, the same raw upsert into `payments`
 * itself (the revenue rollup's triggers run there). Every side starts from empty tables; after
 * the processor's rounds the rollup must equal a recomputation from payments
 * (verifyRevenueRollup, what `buffalo revenue verify` runs).
 */
import { resolveConfig } from '../../src/config.ts';
import { createConnectors, type PaymentRow } from '../../src/connectors/index.ts';
import { enqueueMany } from '../../src/queue/index.ts';
import { createIngestProcessor, hashContent, INGEST_QUEUE, type IngestDeps, type IngestJobPayload } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Pool } from '../../src/db/index.ts';
import { verifyRevenueRollup } from '../../src/revenue/index.ts';
import { backendCpuDelta, backendCpuMs } from '../cpuTime.ts';
import { result, round, targets, timed } from '../measure.ts';
import type { BenchDatabase, Scenario } from '../types.ts';
import { BENCH_KEYS } from '../spawnBuffalo.ts';
import { timingPool, type StatementTimes } from '../statementTimes.ts';
import { stripeCharge } from './stripeCharges.ts';

/** Options of the ingest scenario. */
export interface IngestOptions {
  /** Outbox records (default 200,000). */
  records: number;
  /** Processors (and raw upsert lanes) in parallel (default 2). */
  workers: number;
  /** Jobs per processor claim, rows per raw statement (default 500, the processor's default). */
  batchSize: number;
  /** Rounds per side, alternating raw and processor; each side reports its best (default 2). */
  rounds: number;
}

const ENQUEUE_CHUNK = 2000;

/** The ingest scenario. */
export const ingestScenario: Scenario<IngestOptions> = {
  name: 'ingest',
  description: 'outbox records normalized + upserted per second vs a raw batched upsert of the same rows',
  async run(ctx, opts) {
    const connectors = createConnectors(resolveConfig({ NODE_ENV: 'production', ...BENCH_KEYS, STRIPE_API_KEY: 'sk_test_bench', STRIPE_API_BASE: 'http://127.0.0.1:9' }), { logger: silentLogger });
    const stripe = connectors.stripe;
    if (!stripe) throw new Error('ingest bench: the Stripe connector was not created');
    ctx.log(`ingest: generating ${opts.records} Stripe charge payloads`);
    const payloads = Array.from({ length: opts.records }, (_, i) => stripeCharge(i));
    const rows = payloads.map((p) => (stripe.normalize('charge', p)[0] as { row: PaymentRow }).row);

    const db = await ctx.databases.fresh({ poolMax: opts.workers + 4 });
    try {
      const deps: IngestDeps = { pool: db.pool, config: resolveConfig({ NODE_ENV: 'test' }), logger: silentLogger, connectors: { stripe } };
      const runId = (await db.pool.query<{ id: string }>("INSERT INTO sync_runs (source, connection_id, entity, mode, status) VALUES ('stripe', 'stripe-default', 'charge', 'full', 'running') RETURNING id")).rows[0]?.id ?? null;
      ctx.log(`ingest: enqueueing ${payloads.length} outbox records (enqueueMany, ${ENQUEUE_CHUNK} per statement)`);
      const enqueued = await timed(async () => {
        for (let i = 0; i < payloads.length; i += ENQUEUE_CHUNK) {
          const items = payloads.slice(i, i + ENQUEUE_CHUNK).map((payload) => {
            const hash = hashContent(payload);
            const job: IngestJobPayload = { source: 'stripe', entity: 'charge', externalId: payload.id, payload, hash, runId };
            return { payload: job, dedupeKey: `stripe:charge:${payload.id}:${hash}` };
          });
          await enqueueMany(db.pool, INGEST_QUEUE, items);
        }
      });
      // Kept aside so every processor round starts from the same outbox (the processor deletes what it acks).
      await db.pool.query('CREATE TABLE bench_outbox AS SELECT id, queue, payload, dedupe_key, max_attempts FROM jobs');
      await db.pool.query('TRUNCATE jobs');

      // The physical limit's table: payments' columns, defaults, constraints and indexes, no triggers.
      await db.pool.query(`CREATE TABLE ${PLAIN_TABLE} (LIKE payments INCLUDING ALL)`);

      // Alternate the sides so drift in the machine's load hits both; keep each side's best round.
      const plainRounds: Array<{ ms: number; cpu: Cpu }> = [];
      const rawRounds: Array<{ ms: number; cpu: Cpu }> = [];
      const procRounds: Array<{ ms: number; cpu: Cpu }> = [];
      const rollupMismatches: number[] = [];
      for (let n = 1; n <= opts.rounds; n++) {
        await db.pool.query(`TRUNCATE ${PLAIN_TABLE}`);
        await db.pool.query(`VACUUM ANALYZE ${PLAIN_TABLE}`);
        ctx.log(`ingest: round ${n}/${opts.rounds}: raw batched upsert of ${rows.length} rows into a trigger-free copy of payments (${opts.workers} lanes × ${opts.batchSize} rows)`);
        const plainCpu = startCpu(db.url);
        const plain = await timed(() => rawUpsert(db.pool, rows, opts, PLAIN_TABLE));
        plainRounds.push({ ms: plain.ms, cpu: plainCpu.stop() });
        await expectPayments(db, rows.length, 'trigger-free raw upsert', PLAIN_TABLE);

        await reset(db.pool);
        ctx.log(`ingest: round ${n}/${opts.rounds}: raw batched upsert of ${rows.length} rows into payments (rollup triggers)`);
        const rawCpu = startCpu(db.url);
        const raw = await timed(() => rawUpsert(db.pool, rows, opts, 'payments'));
        rawRounds.push({ ms: raw.ms, cpu: rawCpu.stop() });
        await expectPayments(db, rows.length, 'raw upsert');

        await reset(db.pool);
        await db.pool.query('INSERT INTO jobs (queue, payload, dedupe_key, max_attempts) SELECT queue, payload, dedupe_key, max_attempts FROM bench_outbox ORDER BY id');
        await db.pool.query('VACUUM ANALYZE jobs');
        ctx.log(`ingest: round ${n}/${opts.rounds}: draining with ${opts.workers} processor(s), batch ${opts.batchSize}`);
        const procCpu = startCpu(db.url);
        const drained = await timed(() => drain(deps, opts));
        procRounds.push({ ms: drained.ms, cpu: procCpu.stop() });
        await expectPayments(db, rows.length, 'processor');
        const left = Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM jobs')).rows[0]?.n ?? -1);
        if (left !== 0 || drained.result.dead !== 0) throw new Error(`ingest bench: ${left} jobs left, ${drained.result.dead} dead`);
        rollupMismatches.push((await verifyRevenueRollup(db.pool)).length);
      }
      // One more processor round, with every statement timed, for where its time goes.
      await reset(db.pool);
      await db.pool.query('INSERT INTO jobs (queue, payload, dedupe_key, max_attempts) SELECT queue, payload, dedupe_key, max_attempts FROM bench_outbox ORDER BY id');
      await db.pool.query('VACUUM ANALYZE jobs');
      ctx.log('ingest: one more processor round with every statement timed (where the time goes)');
      const times: StatementTimes = new Map();
      const timedCpu = startCpu(db.url);
      const timedDrain = await timed(() => drain({ ...deps, pool: timingPool(db.pool, times) }, opts));
      const timedUse = timedCpu.stop();
      rollupMismatches.push((await verifyRevenueRollup(db.pool)).length);
      const rollupExact = rollupMismatches.every((m) => m === 0);
      // A fast wrong number is no figure: drift fails the scenario.
      if (!rollupExact) throw new Error(`ingest bench: the revenue rollup drifted from payments after the processor (verifyRevenueRollup: ${rollupMismatches.join(', ')} mismatching rows per round)`);
      ctx.log('ingest: revenue rollup exact after every processor round (verifyRevenueRollup: no mismatch)');

      const best = (rounds: Array<{ ms: number; cpu: Cpu }>) => rounds.reduce((a, b) => (b.ms < a.ms ? b : a));
      const proc = best(procRounds);
      const raw = best(rawRounds);
      const plain = best(plainRounds);
      const per1k = (ms: number) => round((ms * 1000) / opts.records, 1);
      const rate = (r: { ms: number }) => round(opts.records / (r.ms / 1000), 0);
      const params = {
            records: opts.records,
            workers: opts.workers,
            batchSize: opts.batchSize,
            rounds: opts.rounds,
            payload: 'Stripe charge (~1.3 kB JSON)',
            drainS: procRounds.map((r) => round(r.ms / 1000, 2)),
            rawS: rawRounds.map((r) => round(r.ms / 1000, 2)),
            plainS: plainRounds.map((r) => round(r.ms / 1000, 2)),
            enqueueS: round(enqueued.ms / 1000, 2),
            // verifyRevenueRollup after each processor round: mismatching rollup rows (0 = exact).
            rollupMismatches,
            rollupExact,
            // The timed round: per statement kind, the wall ms a processor waited on it per 1,000
            // records (summed over the workers), and the round's Node and PostgreSQL CPU per 1,000.
            timedRound: {
              s: round(timedDrain.ms / 1000, 2),
              waitMsPer1kRecords: Object.fromEntries([...times.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, round((v.ms * 1000) / opts.records, 1)])),
              statementsPer1kRecords: round(([...times.values()].reduce((a, v) => a + v.n, 0) * 1000) / opts.records, 1),
              cpuMsPer1kRecords: { node: per1k(timedUse.node), postgres: per1k(timedUse.postgres) },
            },
            // CPU per 1,000 records in each side's best round: Node (this process) and PostgreSQL (the database's backends).
            cpuMsPer1kRecords: {
              processorNode: per1k(proc.cpu.node),
              processorPostgres: per1k(proc.cpu.postgres),
              rawNode: per1k(raw.cpu.node),
              rawPostgres: per1k(raw.cpu.postgres),
              plainNode: per1k(plain.cpu.node),
              plainPostgres: per1k(plain.cpu.postgres),
            },
      };
      const plainName = 'raw multi-row INSERT … ON CONFLICT into payments without triggers';
      return [
        result({
          scenario: 'ingest',
          metric: 'records normalized + upserted',
          value: rate(proc),
          unit: 'rec/s',
          baseline: { name: plainName, value: rate(plain), unit: 'rec/s' },
          target: targets.ratioAtLeast(0.5, 'trigger-free raw'),
          params,
        }),
        result({
          scenario: 'ingest',
          metric: 'raw upsert into payments (rollup triggers)',
          value: rate(raw),
          unit: 'rec/s',
          baseline: { name: plainName, value: rate(plain), unit: 'rec/s' },
          params,
        }),
      ];
    } finally {
      await db.drop();
    }
  },
};

// Empty the unified and run tables (the rollup trigger empties the rollup with payments) so a round starts clean.
async function reset(pool: Pool): Promise<void> {
  await pool.query('TRUNCATE payments, sync_run_tallies');
  await pool.query('VACUUM ANALYZE payments');
}

interface Cpu {
  node: number;
  postgres: number;
}

// CPU used from now until stop(): this process (ms) and the backends of the database at `url`.
function startCpu(url: string): { stop(): Cpu } {
  const database = new URL(url).pathname.slice(1);
  const node0 = process.cpuUsage();
  const pg0 = backendCpuMs(database);
  return {
    stop() {
      const u = process.cpuUsage(node0);
      return { node: (u.user + u.system) / 1000, postgres: backendCpuDelta(pg0, backendCpuMs(database)) };
    },
  };
}

async function drain(deps: IngestDeps, opts: IngestOptions): Promise<{ processed: number; dead: number }> {
  const total = { processed: 0, dead: 0 };
  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      const worker = createIngestProcessor(deps, { batchSize: opts.batchSize });
      for (;;) {
        const r = await worker.runOnce();
        total.processed += r.processed;
        total.dead += r.dead;
        if (r.claimed === 0) return;
      }
    }),
  );
  return total;
}

const COLUMNS = ['source', 'connection_id', 'external_id', 'kind', 'status', 'raw_status', 'amount_cents', 'refunded_cents', 'currency', 'occurred_at', 'customer_ref', 'parent_external_id', 'source_updated_at'];
const UPDATE_SET = COLUMNS.slice(3).map((c) => `${c} = excluded.${c}`).join(', ');

/** The trigger-free copy of payments the physical limit is measured on. */
const PLAIN_TABLE = 'bench_payments_plain';

function rawUpsertSql(n: number, table: string): string {
  const values = Array.from({ length: n }, (_, r) => `(${COLUMNS.map((_c, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
  return `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${values} ON CONFLICT (connection_id, external_id) DO UPDATE SET ${UPDATE_SET}, updated_at = now()`;
}

async function rawUpsert(pool: Pool, rows: readonly PaymentRow[], opts: IngestOptions, table: string): Promise<void> {
  const sqlFull = rawUpsertSql(opts.batchSize, table);
  let next = 0;
  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      for (;;) {
        const start = next;
        next += opts.batchSize;
        if (start >= rows.length) return;
        const batch = rows.slice(start, start + opts.batchSize);
        const params = batch.flatMap((r) => [r.source, `${r.source}-default`, r.externalId, r.kind, r.status, r.rawStatus, r.amountCents, r.refundedCents, r.currency, r.occurredAt, r.customerRef, r.parentExternalId, r.sourceUpdatedAt]);
        await pool.query(batch.length === opts.batchSize ? sqlFull : rawUpsertSql(batch.length, table), params);
      }
    }),
  );
}

async function expectPayments(db: BenchDatabase, expected: number, side: string, table = 'payments'): Promise<void> {
  const n = Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? -1);
  if (n !== expected) throw new Error(`ingest bench (${side}): ${n} payments stored, expected ${expected}`);
}
