/**
 * `buffalo bench` (bench/README.md): each scenario measures a figure and, in the same run, a baseline
 * it is compared with, on an embedded PostgreSQL started for the run (durable, or fsync off with --fast; the same for both sides)
 * and stopped at the end. Prints a table and writes bench/results.json (see bench/README.md).
 * Loaded only by the `bench` command (dynamic import), never at runtime start-up.
 */
import { startBenchPostgres, type BenchPostgres } from './database.ts';
import { loadAverage, machineInfo } from './machine.ts';
import { resolveBenchOptions, type BenchFlags, type BenchOptions } from './options.ts';
import { formatMachine, formatTable, writeReport } from './report.ts';
import { campaignSyncScenario } from './scenarios/campaignSync.ts';
import { connectionsScenario } from './scenarios/connections.ts';
import { fanOutScenario } from './scenarios/fanOut.ts';
import { ingestScenario } from './scenarios/ingest.ts';
import { metricsScenario } from './scenarios/metrics.ts';
import { ordersScenario } from './scenarios/orders.ts';
import { startUpScenario } from './scenarios/startUp.ts';
import type { BenchReport, BenchResult, ScenarioContext } from './types.ts';

export type { BenchFlags } from './options.ts';

/** Scenario names in run order, each with how it reads its options. */
const SCENARIOS = {
  ingest: (ctx: ScenarioContext, o: BenchOptions) => ingestScenario.run(ctx, o.ingest),
  metrics: (ctx: ScenarioContext, o: BenchOptions) => metricsScenario.run(ctx, o.metrics),
  orders: (ctx: ScenarioContext, o: BenchOptions) => ordersScenario.run(ctx, o.orders),
  'fan-out': (ctx: ScenarioContext, o: BenchOptions) => fanOutScenario.run(ctx, o.fanOut),
  'campaign-sync': (ctx: ScenarioContext, o: BenchOptions) => campaignSyncScenario.run(ctx, o.campaignSync),
  connections: (ctx: ScenarioContext, o: BenchOptions) => connectionsScenario.run(ctx, o.connections),
  'start-up': (ctx: ScenarioContext, o: BenchOptions) => startUpScenario.run(ctx, o.startUp),
} as const;

/** Names accepted by `buffalo bench [scenarios...]`. */
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as Array<keyof typeof SCENARIOS>;

/** Run the named scenarios (all when none), print the table, write the results file. Returns the exit code (1 if a scenario failed to run; a missed target is not a failure). */
export async function runBenchCommand(names: string[], flags: BenchFlags): Promise<number> {
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; choose from ${SCENARIO_NAMES.join(', ')}\n`);
    return 2;
  }
  let options: BenchOptions;
  try {
    options = resolveBenchOptions(flags);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const selected = SCENARIO_NAMES.filter((n) => names.length === 0 || names.includes(n));
  const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const started = Date.now();
  const loadStart = loadAverage();
  log(`starting embedded PostgreSQL (temp dir, ${options.fast ? 'fsync off: --fast' : 'durable'}) for: ${selected.join(', ')}`);
  const pg: BenchPostgres = await startBenchPostgres({ fast: options.fast });
  // Ctrl-C mid-run: stop the throwaway server (and drop its temp dir) rather than orphan it.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the bench's PostgreSQL`);
    void pg.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const results: BenchResult[] = [];
  const errors: Array<{ scenario: string; message: string }> = [];
  try {
    const ctx: ScenarioContext = { databases: pg.databases, log };
    for (const name of selected) {
      const t0 = Date.now();
      try {
        const rows = await SCENARIOS[name](ctx, options);
        results.push(...rows);
        log(`${name}: done in ${Math.round((Date.now() - t0) / 1000)} s`);
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        errors.push({ scenario: name, message: err instanceof Error ? err.message : String(err) });
        log(`${name}: FAILED after ${Math.round((Date.now() - t0) / 1000)} s: ${message}`);
      }
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await pg.stop();
  }
  const report: BenchReport & { errors: typeof errors } = {
    generatedAt: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    scenarios: selected,
    machine: { ...machineInfo(pg.version), loadAverage: { start: loadStart, end: loadAverage() } },
    database: {
      embedded: true,
      fsync: pg.durable ? 'on' : 'off',
      synchronousCommit: pg.durable ? 'on' : 'off',
      fullPageWrites: pg.durable ? 'on' : 'off',
      sharedBuffers: '256MB',
      note: 'One throwaway embedded server for the run; every figure and its baseline ran on it with the same settings (start-up runs `buffalo start` on its own durable embedded server).',
    },
    results,
    errors,
  };
  writeReport(options.out, report);
  process.stdout.write(`\n${formatTable(results)}\n\n${formatMachine(report)}\nresults: ${options.out}\n`);
  if (errors.length) process.stdout.write(`failed to run: ${errors.map((e) => `${e.scenario} (${e.message})`).join('; ')}\n`);
  return errors.length ? 1 : 0;
}
