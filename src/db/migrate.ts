/**
 * Schema migrations through node-pg-migrate. Each module keeps its own SQL migrations in
 * `src/<module>/migrations/NNNN_name.sql`; the numeric prefixes are global so the order across
 * modules is fixed. The first release's schema used blocks per module (0001–0099 http, 0100
 * queue, 0200 ingest, 0300 revenue, 0400 orders); every migration since takes the next number
 * from 1000 up, whatever its module: the runner checks order, so a new file numbered below one a
 * database already applied (say a new 0205 after 0401) would stop that database from migrating.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { PACKAGE_ROOT } from '../packageRoot.ts';

const SRC_DIR = path.join(PACKAGE_ROOT, 'src');

/** Glob of every module's migration files. */
export const MIGRATION_GLOB = path.join(SRC_DIR, '*', 'migrations', '*.sql');

/** Apply all pending migrations; returns the names applied. Safe to run from many processes at once (advisory lock). */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => undefined): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATION_GLOB,
    useGlob: true,
    direction: 'up',
    migrationsTable: 'buffalo_migrations',
    singleTransaction: true,
    checkOrder: true,
    // Processes started together (api, workers, scheduler on one database) wait their turn;
    // the library's default ('fail') made all but the first exit at start-up.
    advisoryLockMode: 'wait',
    log,
    logger: { debug: () => undefined, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}

/** Every migration file's name (without `.sql`), in the order the runner applies them. */
export function migrationNames(): string[] {
  const names: string[] = [];
  for (const module of readdirSync(SRC_DIR, { withFileTypes: true })) {
    if (!module.isDirectory()) continue;
    const dir = path.join(SRC_DIR, module.name, 'migrations');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) if (file.endsWith('.sql')) names.push(file.slice(0, -'.sql'.length));
  }
  return names.sort();
}

/** Migrations not applied to the database yet (all of them on a database never migrated); reads only. */
export async function pendingMigrations(db: { query: (sql: string) => Promise<{ rows: Array<{ name: string }> }> }): Promise<string[]> {
  let applied: Set<string>;
  try {
    applied = new Set((await db.query('SELECT name FROM buffalo_migrations')).rows.map((r) => r.name));
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01') throw err;
    applied = new Set();
  }
  return migrationNames().filter((n) => !applied.has(n));
}
