/**
 * Per-file test databases: each test file clones the migrated template database (made once
 * per run by bin/run-tests.js), so files run in parallel without sharing state.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../../src/db/index.ts';

/** A cloned database for one test file. */
export interface TestDb {
  url: string;
  pool: Pool;
  /** Close the pool and drop the database. */
  drop(): Promise<void>;
}

/** Clone the template into a fresh database and open a pool on it. */
export async function createTestDb(opts: { poolMax?: number } = {}): Promise<TestDb> {
  const admin = process.env.BUFFALO_TEST_PG_URL;
  const template = process.env.BUFFALO_TEST_TEMPLATE;
  if (!admin || !template) throw new Error('run tests through `npm test` (bin/run-tests.js) so a PostgreSQL is running');
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(admin, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = admin.replace(/\/[^/]*$/, `/${name}`);
  const pool = createPool(url, { max: opts.poolMax ?? 20 });
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  // CREATE DATABASE ... TEMPLATE fails while another session is cloning the same template; retry.
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client(url);
    await client.connect();
    try {
      await client.query(sql);
      return;
    } catch (err) {
      if (attempt < 20 && /is being accessed by other users/.test(String((err as Error).message))) {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
        continue;
      }
      throw err;
    } finally {
      await client.end();
    }
  }
}
