/**
 * Per-file test databases: each test file clones the migrated template database (made once
 * per run by bin/run-tests.js), so files run in parallel without sharing state.
 */
import { cloneDatabase, type ClonedDatabase } from '../../src/db/index.ts';

/** A cloned database for one test file. */
export type TestDb = ClonedDatabase;

/** Clone the template into a fresh database and open a pool on it. */
export async function createTestDb(opts: { poolMax?: number } = {}): Promise<TestDb> {
  const admin = process.env.BUFFALO_TEST_PG_URL;
  const template = process.env.BUFFALO_TEST_TEMPLATE;
  if (!admin || !template) throw new Error('run tests through `npm test` (bin/run-tests.js) so a PostgreSQL is running');
  return cloneDatabase(admin, template, { prefix: 't', ...(opts.poolMax ? { poolMax: opts.poolMax } : {}) });
}
