import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/db/index.ts';
import { databaseBefore, type DatabaseBefore } from '../helpers/databaseBefore.ts';

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

describe('migrations: a database from the first release upgrades', () => {
  let db: DatabaseBefore;
  // Every migration the first release shipped numbers below 1000.
  before(async () => {
    db = await databaseBefore('1000');
  });
  after(async () => {
    await db?.drop();
  });

  it('applies every later migration on top of the first release (new files never number below applied ones)', async () => {
    assert.deepEqual(db.applied, FIRST_RELEASE);
    const later = await migrate(db.url);
    const all = migrationFiles().map((f) => path.basename(f, '.sql')).sort();
    assert.deepEqual(later, all.filter((n) => !FIRST_RELEASE.includes(n)));
    assert.ok(later.length > 0, 'there are migrations since the first release');
  });
});
