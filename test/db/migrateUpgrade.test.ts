import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/db/index.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
/** Every module's migration files (what MIGRATION_GLOB matches). */
function migrationFiles(): string[] {
  return readdirSync(SRC)
    .map((m) => path.join(SRC, m, 'migrations'))
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.sql')).map((f) => path.join(d, f)));
}

// The schema as the first release shipped it: a database a user already has.
const FIRST_RELEASE = ['0010_idempotency', '0100_jobs', '0200_payments', '0201_unified_tables', '0202_sync_state', '0300_revenue_rollup', '0400_orders', '0401_processed_events_purge'];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(process.env.BUFFALO_TEST_PG_URL);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('migrations: a database from the first release upgrades', () => {
  const name = `upgrade_${randomBytes(5).toString('hex')}`;
  const url = (process.env.BUFFALO_TEST_PG_URL ?? '').replace(/\/[^/]*$/, `/${name}`);
  const oldDir = mkdtempSync(path.join(tmpdir(), 'buffalo-first-release-'));
  before(async () => {
    await admin(`CREATE DATABASE ${name}`);
    for (const file of migrationFiles()) {
      if (FIRST_RELEASE.includes(path.basename(file, '.sql'))) copyFileSync(file, path.join(oldDir, path.basename(file)));
    }
  });
  after(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(oldDir, { recursive: true, force: true });
  });

  it('applies every later migration on top of the first release (new files never number below applied ones)', async () => {
    const first = await runner({ databaseUrl: url, dir: oldDir, direction: 'up', migrationsTable: 'buffalo_migrations', singleTransaction: true, checkOrder: true, log: () => undefined });
    assert.deepEqual(first.map((m) => m.name), FIRST_RELEASE);
    const later = await migrate(url);
    const all = migrationFiles().map((f) => path.basename(f, '.sql')).sort();
    assert.deepEqual(later, all.filter((n) => !FIRST_RELEASE.includes(n)));
    assert.ok(later.length > 0, 'there are migrations since the first release');
  });
});
