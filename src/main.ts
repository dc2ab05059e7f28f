/** The `buffalo` CLI (commander). Each command's work lives in src/cli/ or its module. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Argument, Command, Option } from 'commander';
import { PACKAGE_ROOT } from './packageRoot.ts';
import { SOURCES, type SourceName } from './config.ts';
import { renderEnvExample } from './configVariables.ts';
import {
  boot, bootReadOnly, connectionsAddCommand, connectionsListCommand, connectionsRemoveCommand, connectionsRotateKeyCommand, connectionsSetStatusCommand,
  dlqListCommand, dlqReplayCommand, doctorCommand, onFirstSignal, openConnectionsContext, openDatabase, openIngestContext, processCommand, reconcileCommand, registeredApiUrl, commandApi,
  renormalizeCommand, runWithContext, scriptOrder, scriptPeakHours, startCommand, statusCommand, syncCommand, type ConnectionsContext, type Role,
} from './cli/index.ts';
import { parseSyncTarget, targetRefusal } from './ingest/index.ts';
import { rebuildRevenueRollup, verifyRevenueRollup } from './revenue/index.ts';
import { runSandboxCommand } from './sandbox/index.ts';
import { PROVIDERS, CONNECTION_STATUSES, type ConnectionFilter, type Provider } from './connections/index.ts';
import { resealWebhookSecrets } from './webhooks/index.ts';

/** Entry point used by bin/buffalo.js. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('buffalo')
    .description('Move data and events between your PostgreSQL and flaky third-party APIs.')
    .showHelpAfterError();

  program
    .command('start')
    .description('start the API, workers and scheduler (and the sandbox for upstreams without credentials)')
    .addOption(new Option('--role <role>', 'which part to run').choices(['api', 'worker', 'scheduler', 'all']).default('all'))
    .action(async (opts: { role: Role }) => {
      await startCommand(boot(), opts.role);
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const booted = boot();
      await runWithContext(openDatabase(booted.config, booted.logger), async () => {
        process.stdout.write('migrations applied\n');
      });
    });

  program
    .command('sync')
    .description('run one sync of a source here, with live progress and a closing summary')
    .addArgument(new Argument('<source>', 'source to sync').choices(SOURCES))
    .option('--full', 'full backfill instead of incremental')
    .option('--id <externalId>', 'targeted repair: re-fetch this one record (the stream cursor stays where it is)')
    .option('--since <YYYY-MM-DD>', 'targeted repair: re-fetch records changed (or dated) from this UTC day')
    .option('--until <YYYY-MM-DD>', 'with --since: through this UTC day (default: now)')
    .option('--connection <id>', 'sync this connection of the source (default: the environment\'s account, <source>-default)')
    .action(async (source: SourceName, opts: { full?: boolean; id?: string; since?: string; until?: string; connection?: string }) => {
      const target = parseSyncTarget(opts);
      if (target && 'error' in target) program.error(`error: ${target.error}`);
      await runWithContext(openIngestContext(boot({ quiet: true }), { upstreams: true }), async (ctx) => {
        // A stored connection is checked by the run itself (it ends `skipped` saying why).
        if (!opts.connection) {
          if (!ctx.deps.connectors[source]) throw new Error(ctx.withheld[source] ?? `${source} is disabled or has no credentials configured`);
          const refusal = target && !('error' in target) ? targetRefusal(ctx.deps.connectors[source], source, target) : null;
          if (refusal) throw new Error(refusal);
        }
        const report = await syncCommand(ctx.deps, { source, ...(opts.connection ? { connectionId: opts.connection } : {}), full: Boolean(opts.full), signal: interruptOnSignal(), ...(target && !('error' in target) ? { target } : {}) });
        return report.status === 'failed' ? 1 : 0;
      });
    });

  program
    .command('reconcile')
    .description('compare the stored rows of a source with its upstream (missing, extra, different); --repair re-syncs exactly those records')
    .addArgument(new Argument('<source>', 'source to reconcile').choices(SOURCES))
    .option('--repair', 're-enqueue exactly the missing and differing upstream records (extra rows are reported only)')
    .option('--connection <id>', 'reconcile this connection of the source (default: <source>-default)')
    .action(async (source: SourceName, opts: { repair?: boolean; connection?: string }) => {
      await runWithContext(openIngestContext(boot({ quiet: true }), { upstreams: true }), async (ctx) => {
        if (!opts.connection && !ctx.deps.connectors[source]) throw new Error(ctx.withheld[source] ?? `${source} is disabled or has no credentials configured`);
        await reconcileCommand(ctx.deps, { source, ...(opts.connection ? { connectionId: opts.connection } : {}), repair: Boolean(opts.repair), signal: interruptOnSignal() }, { out: process.stdout, err: process.stderr, tty: Boolean(process.stderr.isTTY) });
      });
    });

  program
    .command('status')
    .description('one screen: sources, last runs, queue depths, DLQ size, breakers of the running API')
    .action(async () => {
      process.exitCode = await statusCommand(bootReadOnly({ quiet: true }));
    });

  program
    .command('doctor')
    .description('check configuration, database, upstreams, clocks and disk: one line each with what to fix (run this first)')
    .option('--json', 'the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      process.exitCode = await doctorCommand({ json: Boolean(opts.json) });
    });

  program
    .command('process')
    .description('drain the ingest outbox once')
    .action(async () => {
      // Normalizers belong to the connectors, which exist only with credentials (or the sandbox's).
      await runWithContext(openIngestContext(boot({ quiet: true }), { upstreams: true }), async (ctx) => {
        await processCommand(ctx.deps);
      });
    });

  program
    .command('renormalize')
    .description('re-derive a source\'s unified rows from their stored raw payloads with the current normalizer (no upstream call)')
    .addArgument(new Argument('<source>', 'source to renormalize').choices(SOURCES))
    .option('--entity <entity>', 'only raw records of this entity (e.g. deal, contact, charge, refund, event, campaign)')
    .option('--batch-size <n>', 'raw records per transaction', (v) => Number.parseInt(v, 10), 500)
    .option('--connection <id>', 'this connection\'s rows (default: <source>-default)')
    .action(async (source: SourceName, opts: { entity?: string; batchSize: number; connection?: string }) => {
      // Normalizers are pure: no sandbox, no credentials.
      await runWithContext(openIngestContext(boot({ quiet: true }), { upstreams: false }), async (ctx) => {
        await renormalizeCommand(ctx.deps, { source, ...(opts.connection ? { connectionId: opts.connection } : {}), ...(opts.entity ? { entity: opts.entity } : {}), batchSize: opts.batchSize });
      });
    });

  const dlq = program.command('dlq').description('dead-letter queue');
  dlq
    .command('list')
    .description('list dead letters')
    .option('--queue <queue>', 'only this queue')
    .option('--limit <n>', 'at most n rows', (v) => Number.parseInt(v, 10), 50)
    .option('--all', 'include replayed entries')
    .option('--connection <id>', 'only this connection\'s (jobs from before connections belong to <source>-default)')
    .action(async (opts: { queue?: string; limit: number; all?: boolean; connection?: string }) => {
      await runWithContext(openIngestContext(bootReadOnly({ quiet: true }), { upstreams: false }), async (ctx) => {
        await dlqListCommand(ctx.deps, { ...(opts.queue ? { queue: opts.queue } : {}), ...(opts.connection ? { connectionId: opts.connection } : {}), limit: opts.limit, all: Boolean(opts.all) });
      });
    });
  dlq
    .command('replay')
    .description('replay one dead letter by id, or all with --all')
    .argument('[id]', 'dead letter id')
    .option('--all', 'replay every dead letter not replayed yet')
    .action(async (id: string | undefined, opts: { all?: boolean }) => {
      if (!id && !opts.all) program.error('dlq replay: give an id or --all');
      await runWithContext(openIngestContext(boot({ quiet: true }), { upstreams: false }), async (ctx) => {
        await dlqReplayCommand(ctx.deps, opts.all ? 'all' : (id as string));
      });
    });

  const connections = program.command('connections').description('upstream accounts and their sealed credentials (docs/connections.md)');
  const withConnections = (upstreams: boolean, run: (ctx: ConnectionsContext) => Promise<number>, readOnly = false) =>
    runWithContext(openConnectionsContext(readOnly ? bootReadOnly({ quiet: true }) : boot({ quiet: true }), { upstreams }), run);
  connections
    .command('list')
    .description('list connections (never their credentials)')
    .addOption(new Option('--provider <provider>', 'only this provider').choices(PROVIDERS))
    .addOption(new Option('--status <status>', 'only this status').choices(CONNECTION_STATUSES))
    .action(async (opts: ConnectionFilter) => {
      await withConnections(false, (ctx) => connectionsListCommand(ctx.deps, opts), true);
    });
  connections
    .command('add')
    .description('add a connection: its credentials are checked with the provider, then stored sealed')
    .addOption(new Option('--provider <provider>', 'upstream').choices(PROVIDERS).makeOptionMandatory())
    .requiredOption('--name <name>', 'a name unique per provider (e.g. the customer)')
    .option('--credentials <json>', 'credentials as JSON, e.g. \'{"apiKey":"sk_live_…"}\' (prefer --credentials-file: shell history keeps this)')
    .option('--credentials-file <path>', 'a file holding the credentials JSON')
    .option('--settings <json>', 'non-secret settings as JSON, e.g. \'{"calendarId":"team@example.com"}\'')
    .option('--interval-ms <n>', 'incremental sync every n ms (default SYNC_INTERVAL_MS)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { provider: Provider; name: string; credentials?: string; credentialsFile?: string; settings?: string; intervalMs?: number }) => {
      await withConnections(true, (ctx) => connectionsAddCommand(ctx.deps, opts));
    });
  connections
    .command('pause')
    .description('pause a connection (no scheduled syncs)')
    .argument('<id>', 'connection id')
    .action(async (id: string) => {
      await withConnections(false, (ctx) => connectionsSetStatusCommand(ctx.deps, id, 'paused'));
    });
  connections
    .command('resume')
    .description('resume a paused (or broken) connection')
    .argument('<id>', 'connection id')
    .action(async (id: string) => {
      await withConnections(false, (ctx) => connectionsSetStatusCommand(ctx.deps, id, 'active'));
    });
  connections
    .command('remove')
    .description('delete a connection and its sealed credentials (default connections cannot be removed)')
    .argument('<id>', 'connection id')
    .action(async (id: string) => {
      await withConnections(false, (ctx) => connectionsRemoveCommand(ctx.deps, id));
    });
  connections
    .command('rotate-key')
    .description('re-seal every stored credential and webhook signing secret under BUFFALO_SECRET_KEY (after moving the old key to BUFFALO_SECRET_KEYS_RETIRED)')
    .action(async () => {
      await withConnections(false, (ctx) => connectionsRotateKeyCommand({ ...ctx.deps, alsoReseal: [{ what: 'webhook signing secret(s)', reseal: resealWebhookSecrets }] }));
    });

  const revenue = program.command('revenue').description('revenue rollup operations (see docs/runbooks)');
  revenue
    .command('verify')
    .description('compare the rollup with a full recomputation from payments (scans payments: run off-peak)')
    .action(async () => {
      const booted = bootReadOnly({ quiet: true });
      await runWithContext(openDatabase(booted.config, booted.logger, { migrate: false }), async (db) => {
        const drift = await verifyRevenueRollup(db.pool, { limit: 20 });
        process.stdout.write(drift.length === 0 ? 'rollup is exact\n' : `rollup drift (first ${drift.length}):\n${drift.map((d) => `  ${JSON.stringify(d)}`).join('\n')}\nrun \`buffalo revenue rebuild\`\n`);
        return drift.length === 0 ? 0 : 1;
      });
    });
  revenue
    .command('rebuild')
    .description('recompute the rollup from payments in one transaction (blocks payment writers while it runs)')
    .action(async () => {
      const booted = boot({ quiet: true });
      await runWithContext(openDatabase(booted.config, booted.logger), async (db) => {
        const { rows } = await rebuildRevenueRollup(db.pool);
        process.stdout.write(`rollup rebuilt: ${rows} rows\n`);
      });
    });

  const configCmd = program.command('config').description('the configuration variables');
  configCmd
    .command('example')
    .description('every variable at its default with its meaning, secrets blank (the text of .env.example)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((opts: { out?: string }) => {
      const text = renderEnvExample();
      if (opts.out) {
        writeFileSync(opts.out, text);
        process.stdout.write(`written: ${opts.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });

  program
    .command('sandbox')
    .description('run the upstream simulators alone (ports from SANDBOX_PORT)')
    .action(async () => {
      await runSandboxCommand();
    });

  program
    .command('bench')
    .description('run the benchmarks with same-run baselines on a throwaway embedded PostgreSQL; writes bench/results.json (see bench/README.md)')
    .argument('[scenarios...]', 'ingest, metrics, orders, fan-out, campaign-sync, start-up (default: all)')
    .option('--records <n>', 'ingest: outbox records (default 200k)')
    .option('--workers <n>', 'ingest: processors in parallel (default 2)')
    .option('--rounds <n>', 'ingest: rounds per side, alternating, best kept (default 2)')
    .option('--sizes <list>', 'metrics: payment counts (default 1M,10M)')
    .option('--iterations <n>', 'metrics: queries per view and size (default 1000)')
    .option('--baseline-seconds <s>', 'metrics: time budget of the seed baseline per view and size (default 15)')
    .option('--payment-connections <n>', 'metrics: connections the payments are spread over, all active daily (default 2, the default ones)')
    .option('--duration <s>', 'orders: seconds of load per side (default 10)')
    .option('--warmup <s>', 'orders: least warm-up seconds per side; each side then warms until its rate stops climbing (default 18)')
    .option('--connections <n>', 'orders: requests in flight (default 10, as autocannon)')
    .option('--scale <n>', 'campaign-sync, connections: clock speed-up (default 50; connections 20)')
    .option('--clients <n>', 'connections: ad-platform client connections (default 1000)')
    .option('--out <file>', 'results file (default bench/results.json)')
    .option('--fast', "fsync, synchronous_commit and full_page_writes off (quick local runs; default: durable, as `buffalo start` runs)")
    .action(async (scenarios: string[], opts: Record<string, string | boolean>) => {
      // Loaded only here, so runtime start-up never loads bench code.
      // A computed path keeps the bench out of the prebuilt CLI bundle (bin/buffalo.js runs
      // `bench` from the TypeScript sources).
      const { runBenchCommand } = (await import(pathToFileURL(path.join(PACKAGE_ROOT, 'bench', 'index.ts')).href)) as typeof import('../bench/index.ts');
      process.exitCode = await runBenchCommand(scenarios, opts);
    });

  const order = program.command('order').description('order API scripts (against a running `buffalo start`)');
  const apiBase = () => {
    const { config } = boot({ quiet: true });
    // The instance on this database, not whatever answers on this shell's PORT, gets the token.
    const api = commandApi(config, process.env, () => registeredApiUrl(config, process.env));
    return { baseUrl: api.url, jwtSecret: config.auth.jwtSecret ?? '' };
  };
  order
    .command('create')
    .description('create one order and follow it to Delivered')
    .action(async () => {
      const result = await scriptOrder(apiBase());
      process.exitCode = result.finalStatus === 'Delivered' ? 0 : 1;
    });
  order
    .command('peak-hours')
    .description('fire many order requests and print throughput, latency and breaker transitions')
    .option('--requests <n>', 'total requests', (v) => Number.parseInt(v, 10), 5000)
    .option('--concurrency <n>', 'requests in flight', (v) => Number.parseInt(v, 10), 50)
    .action(async (opts: { requests: number; concurrency: number }) => {
      await scriptPeakHours({ ...apiBase(), requests: opts.requests, concurrency: opts.concurrency });
    });

  await program.parseAsync(argv);
}

/**
 * First Ctrl-C (or SIGTERM) interrupts the command's run — it ends after the page in flight,
 * keeps what it committed and prints its summary; a second one quits at once. The command's
 * own cleanup then stops the database.
 */
function interruptOnSignal(): AbortSignal {
  const interrupt = new AbortController();
  onFirstSignal((signal) => {
    process.stderr.write(`\n${signal}: interrupting (again to quit now)\n`);
    interrupt.abort(new Error(`interrupted by ${signal}`));
  });
  return interrupt.signal;
}
