/**
 * Database for a CLI command: the configured DATABASE_URL, or the embedded PostgreSQL under the
 * data directory. When another Buffalo process already runs the embedded server (e.g. `buffalo
 * start` in another terminal), commands connect to it instead of starting a second one.
 */
import path from 'node:path';
import { createPool, migrate, runningEmbeddedPort, startEmbeddedPostgres, type Pool } from '../db/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/** An open database for the life of a command. */
export interface OpenDatabase {
  url: string;
  pool: Pool;
  embedded: boolean;
  /** Where the embedded cluster lives when that is not the configured data directory (for the banner). */
  relocated?: string;
  close(): Promise<void>;
}

/** Open (and migrate) the database. */
export async function openDatabase(config: Config, logger: Logger, opts: { migrate?: boolean; poolMax?: number } = {}): Promise<OpenDatabase> {
  let url = config.databaseUrl;
  let stopServer: (() => Promise<void>) | undefined;
  let relocated: string | undefined;
  if (!url) {
    const dir = path.resolve(config.dataDir, 'pg');
    const running = runningEmbeddedPort(dir);
    if (running) {
      url = `postgres://postgres:buffalo@127.0.0.1:${running}/postgres`;
      logger.debug({ port: running }, 'using the embedded PostgreSQL started by another buffalo process');
    } else {
      const started = Date.now();
      const server = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort, onLog: (line) => logger.trace({ pg: line.trim() }, 'postgres') });
      if (server.stoppedOrphan) logger.info({ pid: server.stoppedOrphan }, 'stopped the embedded PostgreSQL a killed buffalo process left running');
      logger.info({ dir: server.dataDir, runtime: server.runtimeDir, port: config.embeddedPgPort, ms: Date.now() - started }, 'embedded PostgreSQL started');
      if (server.dataDir !== dir) relocated = `cluster in ${server.dataDir} (the postgres OS user cannot reach ${dir})`;
      url = server.url('postgres');
      stopServer = () => server.stop();
    }
  }
  if (opts.migrate !== false) {
    const applied = await migrate(url, (msg) => logger.debug({ msg }, 'migrate'));
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const pool = createPool(url, { max: opts.poolMax ?? 20 });
  return {
    url,
    pool,
    embedded: !config.databaseUrl,
    ...(relocated ? { relocated } : {}),
    async close() {
      // pool.end() waits for checked-out clients; a sync abandoned at shutdown may still hold
      // one, and the embedded server must stop regardless (it would outlive us otherwise).
      await Promise.race([pool.end(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await stopServer?.();
    },
  };
}
