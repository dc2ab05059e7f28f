/**
 * The bench's PostgreSQL: an embedded server in a temp dir (fsync, synchronous_commit and
 * full_page_writes off — the `ephemeral` settings of src/db; figures and baselines share them),
 * one migrated template, and a fresh clone of it per scenario so no scenario sees another's rows.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPool, migrate, startEmbeddedPostgres } from '../src/db/index.ts';
import { freePort } from './ports.ts';
import type { BenchDatabase, BenchDatabases } from './types.ts';

/** A running bench server. */
export interface BenchPostgres {
  databases: BenchDatabases;
  /** `SHOW server_version`. */
  version: string;
  stop(): Promise<void>;
}

const TEMPLATE = 'bench_template';

/** Start the embedded server and migrate the template database. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-bench-pg-'));
  // As root the server runs as the `postgres` user, which must be able to reach its directory.
  chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
  try {
    const admin = server.url('postgres');
    await adminQuery(admin, `CREATE DATABASE ${TEMPLATE}`);
    await migrate(server.url(TEMPLATE));
    const client = new pg.Client(admin);
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    await client.end();
    return {
      databases: databasesFromTemplate(admin, TEMPLATE),
      version: rows[0]?.server_version ?? 'unknown',
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
    async fresh(opts = {}): Promise<BenchDatabase> {
      const name = `bench_${randomBytes(5).toString('hex')}`;
      await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
      const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
      const pool = createPool(url, { max: opts.poolMax ?? 20, application: 'buffalo-bench' });
      return {
        url,
        pool,
        async drop() {
          await pool.end();
          await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  // Cloning fails while another session is connected to the template (a parallel test file); retry.
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client(url);
    await client.connect();
    try {
      await client.query(sql);
      return;
    } catch (err) {
      if (attempt < 50 && /is being accessed by other users/.test((err as Error).message)) {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
        continue;
      }
      throw err;
    } finally {
      await client.end();
    }
  }
}
