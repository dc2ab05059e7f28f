/**
 * `buffalo start`: the composition root. Opens the database (embedded when DATABASE_URL is
 * unset), applies migrations, starts the sandbox simulators for upstreams without credentials,
 * then the parts the role asks for: the HTTP API, the workers, the scheduler.
 */
import type { Booted } from './boot.ts';
import { onShutdownSignal } from './boot.ts';
import { openDatabase } from './openDatabase.ts';
import { buildApp } from '../http/index.ts';

/** Which part of Buffalo a process runs. */
export type Role = 'api' | 'worker' | 'scheduler' | 'all';

/** Start Buffalo and run until SIGINT/SIGTERM. */
export async function startCommand(booted: Booted, role: Role): Promise<void> {
  const { logger } = booted;
  const t0 = Date.now();
  const db = await openDatabase(booted.config, logger);
  const config = booted.config;
  const closers: Array<() => Promise<void>> = [];

  if (role === 'api' || role === 'all') {
    const app = await buildApp({
      pool: db.pool,
      logger,
      auth: { apiKey: config.auth.apiKey ?? '', adminApiKey: config.auth.adminApiKey ?? '' },
      bodyLimitBytes: config.http.bodyLimitBytes,
      publicUrl: config.http.publicUrl,
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    closers.push(() => app.close());
    const base = config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`;
    printBanner(booted, base, Date.now() - t0);
  }

  onShutdownSignal(async (signal) => {
    logger.info({ signal }, 'shutting down');
    for (const close of closers.reverse()) await close();
    await db.close();
  });
}

function printBanner(booted: Booted, base: string, ms: number): void {
  const { config, generatedKeys } = booted;
  const lines = [
    '',
    `Buffalo is up (${ms} ms)`,
    `  API        ${base}`,
    `  Docs       ${base}/docs`,
    `  Dashboard  ${base}/dashboard#key=${config.auth.apiKey}`,
    `  Readiness  ${base}/readyz`,
  ];
  if (generatedKeys.length) {
    lines.push(
      `  Dev keys (generated once into ${config.dataDir}/dev-keys.json; set API_KEY / ADMIN_API_KEY / JWT_SECRET to override):`,
      `    X-Api-Key:       ${config.auth.apiKey}`,
      `    X-Admin-Api-Key: ${config.auth.adminApiKey}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
