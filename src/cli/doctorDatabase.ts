/**
 * `buffalo doctor`'s database, clock and disk checks. Read-only: the database is the one a
 * read-only command would use (./locateInstance.ts) and is queried, never migrated or written.
 */
import { statfsSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import { pendingMigrations, resolveClusterDir } from '../db/index.ts';
import { result, type CheckResult } from './doctorCheck.ts';
import type { Located } from './locateInstance.ts';

const MIN_SERVER_VERSION = 140000;
const CONNECT_TIMEOUT_MS = 5000;
/** Skew past which the database's clock and ours disagree enough to matter (leases, schedules). */
const SKEW_WARN_MS = 2000;
const SKEW_FAIL_MS = 30_000;
const DISK_WARN_BYTES = 1024 ** 3;
const DISK_FAIL_BYTES = 100 * 1024 ** 2;

/** Database reachability, version, migrations, privileges, and its clock against ours. */
export async function checkDatabase(located: Located): Promise<CheckResult[]> {
  if (!located.found) return [result('database', 'fail', 'no database found', located.message)];
  if (!located.databaseUrl) {
    return [result('database', 'fail', `the embedded PostgreSQL under ${located.dataDir} is not running`, 'start it with `buffalo start` (doctor starts nothing), or set DATABASE_URL')];
  }
  const client = new pg.Client({ connectionString: located.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  const where = `${located.how === 'DATABASE_URL' ? 'DATABASE_URL' : `embedded, ${located.dataDir}`}`;
  try {
    await client.connect();
  } catch (err) {
    return [result('database', 'fail', `not reachable (${where}): ${(err as Error).message}`, located.how === 'DATABASE_URL' ? 'check DATABASE_URL (host, port, user, password) and that the server runs' : 'start it with `buffalo start`')];
  }
  client.on('error', () => undefined);
  try {
    const out: CheckResult[] = [];
    const before = Date.now();
    const { rows } = await client.query<{ version: string; num: string; now: Date; create_db: boolean; create_schema: boolean }>(
      "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num, clock_timestamp() AS now, has_database_privilege(current_database(), 'CREATE') AS create_db, has_schema_privilege('public', 'CREATE') AS create_schema",
    );
    const after = Date.now();
    const row = rows[0]!;
    out.push(Number(row.num) >= MIN_SERVER_VERSION
      ? result('database', 'ok', `reachable (${where}), PostgreSQL ${row.version}`)
      : result('database', 'fail', `PostgreSQL ${row.version} (${where}) is older than 14`, 'upgrade the server to PostgreSQL 14 or newer'));
    const pending = await pendingMigrations(client);
    out.push(pending.length === 0
      ? result('migrations', 'ok', 'all applied')
      : result('migrations', 'warn', `${pending.length} pending: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}`, 'run `buffalo migrate` (or `buffalo start`, which applies them)'));
    out.push(row.create_schema
      ? result('permissions', 'ok', 'may create tables in schema public')
      : result('permissions', 'fail', `the database user cannot create in schema public${row.create_db ? '' : ' nor in the database'}`, 'GRANT CREATE ON SCHEMA public (and ownership of Buffalo\'s tables) to the user in DATABASE_URL'));
    if (pending.length === 0) out.push(await checkWrite(client));
    // Our clock at the middle of the round trip against the server's.
    const skew = row.now.getTime() - (before + after) / 2;
    out.push(skewResult('clock (database)', skew, after - before));
    return out;
  } catch (err) {
    return [result('database', 'fail', `query failed (${where}): ${(err as Error).message}`, 'check the database user and that this is Buffalo\'s database')];
  } finally {
    await client.end().catch(() => undefined);
  }
}

// Write privileges on the tables every part writes, asked of the catalog (nothing is written).
async function checkWrite(client: pg.Client): Promise<CheckResult> {
  const tables = ['jobs', 'payments', 'sync_runs', 'connections'];
  const { rows } = await client.query<{ t: string; ok: boolean | null }>(
    "SELECT t, CASE WHEN to_regclass(t) IS NULL THEN NULL ELSE has_table_privilege(t, 'INSERT,UPDATE,DELETE') END AS ok FROM unnest($1::text[]) AS t",
    [tables],
  );
  const denied = rows.filter((r) => r.ok === false).map((r) => r.t);
  return denied.length === 0
    ? result('permissions (write)', 'ok', 'may write Buffalo\'s tables')
    : result('permissions (write)', 'fail', `no INSERT/UPDATE/DELETE on ${denied.join(', ')}`, 'grant them to the user in DATABASE_URL, or use the user that owns the tables');
}

/** A clock comparison as a result (`uncertaintyMs`: how far the measurement itself may be off). */
export function skewResult(check: string, skewMs: number, uncertaintyMs: number): CheckResult {
  const abs = Math.abs(skewMs);
  const detail = `${skewMs >= 0 ? 'ahead of' : 'behind'} this machine by ${Math.round(abs)} ms`;
  if (abs > SKEW_FAIL_MS + uncertaintyMs) return result(check, 'fail', detail, 'synchronise the clocks (NTP / chrony); leases and schedules assume they agree');
  if (abs > SKEW_WARN_MS + uncertaintyMs) return result(check, 'warn', detail, 'synchronise the clocks (NTP / chrony)');
  return result(check, 'ok', detail);
}

/** Free disk where the embedded cluster lives (nothing to check with DATABASE_URL). */
export function checkDisk(config: Config, located: Located): CheckResult | undefined {
  if (config.databaseUrl || (located.found && located.how === 'DATABASE_URL')) return undefined;
  // Where the cluster's files are: as root it may have been placed outside the data directory
  // (the postgres user could not reach it), on another filesystem. Else the nearest existing
  // directory: the data directory itself may not exist yet.
  const dataDir = path.resolve(located.found ? located.dataDir : config.dataDir);
  let dir = resolveClusterDir(path.join(dataDir, 'pg'));
  if (!existsSync(dir)) dir = dataDir;
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const detail = `${(free / 1024 ** 3).toFixed(1)} GiB free at ${dir}`;
  if (free < DISK_FAIL_BYTES) return result('disk', 'fail', detail, 'free disk space or move BUFFALO_DATA_DIR: PostgreSQL stops writing when the disk is full');
  if (free < DISK_WARN_BYTES) return result('disk', 'warn', detail, 'free disk space or move BUFFALO_DATA_DIR');
  return result('disk', 'ok', detail);
}
