/**
 * A database at the schema a migration upgrades: a fresh database on the test server with every
 * module's migrations numbered below `migration` applied, for upgrade tests of that migration
 * (data written the old way, then `migrate()` and the down migration).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { MIGRATION_GLOB } from '../../src/db/index.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** An open database before `migration`. */
export interface DatabaseBefore {
  url: string;
  pool: pg.Pool;
  /** The migrations applied to build it, in order. */
  applied: string[];
  /** Revert the last `count` migrations (e.g. the one under test and every later one). */
  down(count: number): Promise<void>;
  drop(): Promise<void>;
}

async function admin<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(process.env.BUFFALO_TEST_PG_URL);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

// node-pg-migrate ends its client without waiting for it; a DROP … WITH (FORCE) that catches it
// still connected terminates it, and its unhandled error fails the test file. Wait for the
// sessions to leave first (FORCE stays for anything that lingers).
async function dropDatabase(name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const [row] = await admin<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (!row || row.n === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Create the database and apply every migration numbered below `migration`. */
export async function databaseBefore(migration: string): Promise<DatabaseBefore> {
  const name = `before_${randomBytes(5).toString('hex')}`;
  const url = (process.env.BUFFALO_TEST_PG_URL ?? '').replace(/\/[^/]*$/, `/${name}`);
  const previous = mkdtempSync(path.join(tmpdir(), `buffalo-before-${migration.slice(0, 4)}-`));
  for (const dir of readdirSync(SRC).map((m) => path.join(SRC, m, 'migrations')).filter((d) => existsSync(d))) {
    for (const f of readdirSync(dir)) if (f.endsWith('.sql') && f < migration) copyFileSync(path.join(dir, f), path.join(previous, f));
  }
  await admin(`CREATE DATABASE ${name}`);
  const opts = { databaseUrl: url, migrationsTable: 'buffalo_migrations', singleTransaction: true, checkOrder: true, log: () => undefined } as const;
  const applied = (await runner({ ...opts, dir: previous, direction: 'up' })).map((m) => m.name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    url,
    pool,
    applied,
    down: async (count) => {
      await runner({ ...opts, dir: MIGRATION_GLOB, useGlob: true, direction: 'down', count });
    },
    async drop() {
      await pool.end();
      await dropDatabase(name);
      rmSync(previous, { recursive: true, force: true });
    },
  };
}
