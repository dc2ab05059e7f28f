/**
 * Crash seams for the exactly-once tests, in PostgreSQL itself (no mock of our code): a trigger
 * that makes storing a response fail, and a short pause helper for stalling past a lease.
 */
import type { Pool } from '../../src/db/index.ts';

/**
 * Until the returned function is called, storing a response (status → 'done') under a key that
 * starts with `prefix` fails, as if the process died between the effect and the store.
 */
export async function failResponseStores(pool: Pool, prefix: string): Promise<() => Promise<void>> {
  await pool.query(`
    CREATE OR REPLACE FUNCTION test_fail_response_store() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'done' AND starts_with(NEW.key, TG_ARGV[0]) THEN
        RAISE EXCEPTION 'injected: storing the idempotent response failed';
      END IF;
      RETURN NEW;
    END $$`);
  await pool.query(`CREATE TRIGGER test_fail_response_store BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION test_fail_response_store('${prefix.replace(/'/g, "''")}')`);
  return async () => {
    await pool.query('DROP TRIGGER test_fail_response_store ON idempotency_keys');
  };
}

/** Status of a key's row (undefined when there is none). */
export async function keyStatus(pool: Pool, key: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM idempotency_keys WHERE key = $1', [key]);
  return rows[0]?.status;
}

/** Wait `ms` of wall time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Once `key` is claimed, move its lease into the past: the request holding it is now "stalled
 * past its lease" whatever the configured lease, and the next request with the key takes over.
 */
export async function expireLease(pool: Pool, key: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rowCount } = await pool.query("UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE key = $1 AND status = 'in_flight'", [key]);
    if (rowCount === 1) return;
    if (Date.now() > deadline) throw new Error(`key ${key} was never claimed`);
    await sleep(10);
  }
}
