/**
 * The bench's PostgreSQL: an embedded server in a temp dir, durable as a user's `buffalo start`
 * runs it (fsync, synchronous_commit and full_page_writes on), or with them off under `--fast`
 * (the `ephemeral` settings of src/db) for quick local runs; figures and baselines share them,
 * one migrated template, and a fresh clone of it per scenario so no scenario sees another's rows.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cloneDatabase, migrate, startEmbeddedPostgres } from '../src/db/index.ts';
import { freePort } from './ports.ts';
import type { BenchDatabases } from './types.ts';

/** A running bench server. */
export interface BenchPostgres {
  databases: BenchDatabases;
  /** `SHOW server_version`. */
  version: string;
  /** Whether the server runs durable (fsync, synchronous_commit, full_page_writes on) or `--fast` (all off). */
  durable: boolean;
  stop(): Promise<void>;
}

const TEMPLATE = 'bench_template';

/** Start the embedded server and migrate the template database. */
export async function startBenchPostgres(opts: { fast?: boolean } = {}): Promise<BenchPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-bench-pg-'));
  // As root the server runs as the `postgres` user, which must be able to reach its directory.
  chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true, durable: !opts.fast });
  try {
    const admin = server.url('postgres');
    const client = new pg.Client(admin);
    await client.connect();
    await client.query(`CREATE DATABASE ${TEMPLATE}`);
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    await client.end();
    await migrate(server.url(TEMPLATE));
    return {
      databases: databasesFromTemplate(admin, TEMPLATE),
      version: rows[0]?.server_version ?? 'unknown',
      durable: !opts.fast,
      async stop() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Fresh databases cloned from `template` on the server at `adminUrl` (also used by the smoke test). */
export function databasesFromTemplate(adminUrl: string, template: string): BenchDatabases {
  return {
    fresh: (opts = {}) => cloneDatabase(adminUrl, template, { prefix: 'bench', poolMax: opts.poolMax ?? 20, application: 'buffalo-bench' }),
  };
}
