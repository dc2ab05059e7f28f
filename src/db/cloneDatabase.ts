/**
 * A fresh database cloned from a migrated template (tests clone one per file, the bench one per
 * scenario): `CREATE DATABASE … TEMPLATE` copies files instead of re-running migrations.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from './pool.ts';

/** A cloned database with its own pool. */
export interface ClonedDatabase {
  url: string;
  pool: Pool;
  /** Close the pool and drop the database. */
  drop(): Promise<void>;
}

/** Clone `template` on the server of `adminUrl` into a new database named `<prefix>_<random>`. */
export async function cloneDatabase(adminUrl: string, template: string, opts: { prefix?: string; poolMax?: number; application?: string } = {}): Promise<ClonedDatabase> {
  const name = `${opts.prefix ?? 'db'}_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const pool = createPool(url, { max: opts.poolMax ?? 20, ...(opts.application ? { application: opts.application } : {}) });
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  // Cloning fails while another session is connected to the template (a parallel clone); retry.
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
