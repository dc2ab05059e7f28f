import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/http/index.ts';
import { ingestRoutes } from '../../src/ingest/index.ts';
import { ADMIN_HEADERS, buildTestApp } from '../helpers/app.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { expireLease, failResponseStores, keyStatus, sleep } from '../helpers/idempotency.ts';

const LEASE_MS = 250;

describe('POST /trigger and POST /dlq/:id/replay are exactly-once per Idempotency-Key', () => {
  const db = useTestDb();
  let app: App;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool, { idempotencyLeaseMs: LEASE_MS }));
    await app.register(ingestRoutes, { pool: db.pool });
    await app.ready();
  });

  const trigger = (key: string) => app.inject({ method: 'POST', url: '/trigger/gcal/full', headers: { ...ADMIN_HEADERS, 'idempotency-key': key } });
  const replay = (id: string, key: string) => app.inject({ method: 'POST', url: `/dlq/${id}/replay`, headers: { ...ADMIN_HEADERS, 'idempotency-key': key } });
  const runCount = async () => (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM sync_runs WHERE source = 'gcal'")).rows[0]!.n;
  const syncJobs = async () => (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE payload->>'source' = 'gcal'")).rows[0]!.n;
  const deadLetter = async (): Promise<string> => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO dead_letters (queue, job_id, payload, reason, error_name, error_message, attempts, max_attempts, job_created_at)
       VALUES ('exactly-once', 1, '{"n": 1}', 'permanent', 'Error', 'boom', 1, 1, now()) RETURNING id`,
    );
    return rows[0]!.id;
  };
  const replayJobs = async (id: string) => (await db.pool.query<{ id: string }>('SELECT id FROM jobs WHERE replay_of = $1', [id])).rows.map((r) => r.id);
  // Hold `sql`'s row or table lock in a transaction of its own until the returned function runs.
  const hold = async (sql: string, params: unknown[] = []) => {
    const client = await db.pool.connect();
    await client.query('BEGIN');
    await client.query(sql, params);
    return async () => {
      await client.query('COMMIT');
      client.release();
    };
  };

  it('trigger: a failed response store leaves no run (run and answer commit together); the retry accepts exactly one', async () => {
    const runs = await runCount();
    const jobs = await syncJobs();
    const restore = await failResponseStores(db.pool, 'fail-trigger-');
    const key = 'fail-trigger-1';
    try {
      assert.equal((await trigger(key)).statusCode, 500);
    } finally {
      await restore();
    }
    assert.equal(await runCount(), runs, 'no run was accepted without its stored answer');
    assert.equal(await syncJobs(), jobs);
    const retried = await trigger(key);
    assert.equal(retried.statusCode, 202, retried.body);
    await sleep(LEASE_MS + 100);
    const again = await trigger(key);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().runId, retried.json().runId);
    assert.equal(await runCount(), runs + 1, 'one run under the key');
    assert.equal(await syncJobs(), jobs + 1);
  });

  it('trigger: a request stalled past its lease cannot accept a second run after a retry took its key over', async () => {
    const runs = await runCount();
    const release = await hold('LOCK TABLE sync_runs IN SHARE ROW EXCLUSIVE MODE');
    const key = 'stall-trigger-1';
    let answers;
    try {
      const first = trigger(key);
      await expireLease(db.pool, key);
      const takeover = trigger(key);
      await sleep(100);
      await release();
      answers = await Promise.all([first, takeover]);
    } catch (err) {
      await release();
      throw err;
    }
    const accepted = answers.filter((r) => r.statusCode === 202);
    assert.equal(accepted.length, 1, answers.map((r) => `${r.statusCode} ${r.body}`).join(' | '));
    assert.equal(answers.filter((r) => r.statusCode === 409).length, 1);
    assert.equal(await runCount(), runs + 1, 'one run under the key');
    const replayed = await trigger(key);
    assert.equal(replayed.json().runId, accepted[0]!.json().runId);
    assert.equal(await keyStatus(db.pool, key), 'done');
  });

  it('DLQ replay: a failed response store undoes the replay; the retry replays once and answers "replayed" with its job', async () => {
    const id = await deadLetter();
    const restore = await failResponseStores(db.pool, 'fail-replay-');
    const key = 'fail-replay-1';
    try {
      assert.equal((await replay(id, key)).statusCode, 500);
    } finally {
      await restore();
    }
    assert.deepEqual(await replayJobs(id), [], 'the replay rolled back with its answer');
    const retried = await replay(id, key);
    assert.equal(retried.statusCode, 200, retried.body);
    const jobs = await replayJobs(id);
    assert.deepEqual(retried.json(), { id, replayed: true, jobId: jobs[0] });
    assert.equal(jobs.length, 1);
    await sleep(LEASE_MS + 100);
    const again = await replay(id, key);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), retried.json(), 'the key keeps answering what its replay did');
  });

  it('DLQ replay: a request stalled past its lease and its takeover replay once, and the key answers "replayed" with that job', async () => {
    const id = await deadLetter();
    const release = await hold('SELECT 1 FROM dead_letters WHERE id = $1 FOR UPDATE', [id]);
    const key = 'stall-replay-1';
    let answers;
    try {
      const first = replay(id, key);
      await expireLease(db.pool, key);
      const takeover = replay(id, key);
      await sleep(100);
      await release();
      answers = await Promise.all([first, takeover]);
    } catch (err) {
      await release();
      throw err;
    }
    const ok = answers.filter((r) => r.statusCode === 200);
    assert.equal(ok.length, 1, answers.map((r) => `${r.statusCode} ${r.body}`).join(' | '));
    assert.equal(answers.filter((r) => r.statusCode === 409).length, 1);
    const jobs = await replayJobs(id);
    assert.deepEqual(ok[0]!.json(), { id, replayed: true, jobId: jobs[0] });
    assert.equal(jobs.length, 1);
    assert.deepEqual((await replay(id, key)).json(), ok[0]!.json());
  });
});
