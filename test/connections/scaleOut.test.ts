/**
 * Scale-out, end to end over real processes: the ad-platform simulator with many client accounts
 * (real HTTP) and `buffalo start` children on one database — two `--role api`, two
 * `--role worker`, one `--role scheduler`. Client connections are created through one API and
 * triggered through the other; the first worker is SIGKILLed while it holds runs and the second
 * starts after: the runs it held are taken over (same run ids) once their leases expire. Every
 * connection ends with a successful run, its campaigns stored exactly once, no client throttled more than
 * once, nothing left running or dead-lettered. The rate limit is raised on both sides (simulator
 * and Buffalo's shared gate) so the runs take seconds; its shape (per client, shared by the
 * processes) is what counts here, its length is the bench's business.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAdPlatformSimulator, type AdPlatformSimState } from '../../src/sandbox/adplatform/index.ts';
import { sandboxAccountCredentials } from '../../src/sandbox/index.ts';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { startRole, type RoleChild } from '../cli/buffaloChild.ts';

const CONNECTIONS = 20;
const CAMPAIGNS = 10;
// Requests per minute per client, on both sides: ~12 requests per sync take a few seconds.
const RATE_PER_MIN = 300;
// Runs per worker process: low enough that both workers hold runs when one is killed.
const CONCURRENCY = 5;
const KEYS = { API_KEY: 'scale-out-api-key-0123456789abcdef', ADMIN_API_KEY: 'scale-out-admin-key-0123456789abcdef', BUFFALO_SECRET_KEY: Buffer.alloc(32, 0x5a).toString('hex') };

describe('scale-out: many ad-platform clients over api, worker and scheduler processes', () => {
  const db = useTestDb();
  let sim: RunningSimulator<AdPlatformSimState>;
  const children: RoleChild[] = [];
  let key = 0;

  async function startBuffalo(role: string): Promise<RoleChild> {
    const child = await startRole(role, {
      ...KEYS,
      DATABASE_URL: db.url,
      SANDBOX: 'off',
      LOG_LEVEL: 'warn',
      AD_PLATFORM_API_URL: sim.url,
      STRIPE_ENABLED: 'false',
      HUBSPOT_ENABLED: 'false',
      GCAL_ENABLED: 'false',
      ADPLATFORM_RATE_LIMIT_PER_MIN: String(RATE_PER_MIN),
      SYNC_CONCURRENCY: String(CONCURRENCY),
      // A killed worker's runs are picked up again within seconds.
      SYNC_LEASE_TTL_MS: '2000',
    });
    children.push(child);
    return child;
  }
  const url = (c: RoleChild, path: string) => `http://127.0.0.1:${c.port}${path}`;
  async function untilHealthy(c: RoleChild): Promise<void> {
    await waitFor('an API process to answer', async () => {
      if (c.proc.exitCode !== null) throw new Error(`buffalo exited early:\n${c.output()}`);
      return (await fetch(url(c, '/healthz')).catch(() => null))?.status === 200;
    }, { timeoutMs: 30_000 });
  }
  const admin = () => ({ 'content-type': 'application/json', 'x-admin-api-key': KEYS.ADMIN_API_KEY, 'idempotency-key': `scale-${++key}` });
  const count = async (sql: string, params: unknown[] = []) => Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);

  before(async () => {
    sim = db.closeLater(await startAdPlatformSimulator({
      port: 0,
      env: { SANDBOX_ADPLATFORM_ACCOUNTS: String(CONNECTIONS + 1) },
      faults: { records: CAMPAIGNS, rateLimitPerMin: RATE_PER_MIN, errorRate: 0, timeoutRate: 0, tokenTtlS: 3600 },
      // Every 5th list call still answers 503 (the platform's own fault); no held timeouts, no 2 s sync calls.
      knobs: { syncMs: 20, timeoutEvery: 0 },
    }));
    // Children left by a failed test: killed, and gone, before the simulator and the database.
    db.onClose(async () => {
      for (const c of children) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
    });
  });

  it('every connection synced exactly once over a worker crash, each client throttled at most once', { timeout: 180_000 }, async () => {
    // The first process migrates; the rest start on the migrated database.
    const apiA = await startBuffalo('api');
    await untilHealthy(apiA);
    const [apiB, workerA] = await Promise.all([startBuffalo('api'), startBuffalo('worker'), startBuffalo('scheduler')]);
    await untilHealthy(apiB!);

    const ids: Array<{ id: string; account: number }> = [];
    for (let n = 2; n <= CONNECTIONS + 1; n++) {
      const res = await fetch(url(apiA, '/connections'), { method: 'POST', headers: admin(), body: JSON.stringify({ provider: 'adplatform', name: `client ${n}`, credentials: sandboxAccountCredentials('adplatform', n) }) });
      assert.equal(res.status, 201, await res.clone().text());
      ids.push({ id: ((await res.json()) as { id: string }).id, account: n });
    }
    for (const { id } of ids) {
      const res = await fetch(url(apiB!, `/connections/${id}/trigger/full`), { method: 'POST', headers: admin(), body: '{}' });
      assert.equal(res.status, 202, await res.text());
    }

    // The only worker holds runs: kill it mid-run, then start the second one.
    await waitFor('the first worker to run syncs', async () => (await count("SELECT count(*) AS n FROM sync_runs WHERE status = 'running'")) >= CONCURRENCY, { timeoutMs: 30_000 });
    workerA!.proc.kill('SIGKILL');
    await workerA!.exited;
    const held = (await db.pool.query<{ id: string }>("SELECT id FROM sync_runs WHERE status = 'running'")).rows.map((r) => r.id);
    assert.ok(held.length > 0, 'the killed worker held runs');
    const killedAt = new Date();
    const workerB = await startBuffalo('worker');

    const connectionIds = ids.map((c) => c.id);
    await waitFor('every connection to have a successful run', async () => (await count("SELECT count(DISTINCT connection_id) AS n FROM sync_runs WHERE status = 'success' AND connection_id = ANY($1)", [connectionIds])) === CONNECTIONS, { timeoutMs: 90_000 });
    // And the outbox drained into the campaigns table.
    await waitFor('the outbox to drain', async () => (await count("SELECT count(*) AS n FROM jobs WHERE queue = 'ingest'")) === 0, { timeoutMs: 30_000 });

    for (const { id, account } of ids) {
      const truth = (await (await fetch(`${sim.url}/__sandbox/accounts/${account}/truth`)).json()) as { campaigns: Array<{ id: string }> };
      const stored = (await db.pool.query<{ external_id: string }>('SELECT external_id FROM campaigns WHERE connection_id = $1 ORDER BY 1', [id])).rows.map((r) => r.external_id);
      assert.deepEqual(stored, truth.campaigns.map((c) => c.id).sort(), `connection ${id} (client ${account}) stores its campaigns exactly once`);
    }
    const stats = (await (await fetch(`${sim.url}/__sandbox/stats`)).json()) as { rateLimitedByAccount: Record<string, number> };
    for (const [account, n] of Object.entries(stats.rateLimitedByAccount)) assert.ok(n <= 1, `client ${account} got ${n} 429s`);

    // Nothing lost with the worker: the runs it held were taken over under their own ids and
    // completed after the kill; no run left running, no sync or record dead-lettered.
    await waitFor('every run to end', async () => (await count("SELECT count(*) AS n FROM sync_runs WHERE status IN ('running', 'queued')")) === 0, { timeoutMs: 30_000 });
    const takenOver = (await db.pool.query<{ id: string; status: string; started_at: Date }>('SELECT id, status, started_at FROM sync_runs WHERE id = ANY($1::uuid[])', [held])).rows;
    assert.deepEqual(takenOver.map((r) => r.status), held.map(() => 'success'), 'every run the killed worker held completed');
    assert.ok(takenOver.every((r) => r.started_at > killedAt), 'each restarted by the surviving worker after the kill');
    assert.equal(await count('SELECT count(*) AS n FROM dead_letters'), 0, 'no dead letters');
    assert.equal(workerB.proc.exitCode, null, 'the surviving worker still runs');
  });
});
