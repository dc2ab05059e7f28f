import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestDb } from '../helpers/testResources.ts';
import { createScheduler, createSyncWorker, type DailySummary } from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log.ts';
import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { testDeps } from './fixtures/support.ts';

const NOTICE_SECRET = 'scheduler-notice-secret-0123';

describe('ingest scheduler', () => {
  const db = useTestDb();
  let server: Server;
  let url: string;
  const received: DailySummary[] = [];
  // Every POST's notice id and signature, the refused ones too.
  const attempts: Array<{ eventId: unknown; signature: string; body: string }> = [];
  let failNext = 0;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        attempts.push({ eventId: req.headers['buffalo-event-id'], signature: String(req.headers['buffalo-signature']), body });
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    db.onClose(() => new Promise((r) => server.close(r)));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  });

  const deps = () =>
    testDeps(db.pool, [createFakeConnector(createFakeUpstream(3))], { NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: NOTICE_SECRET, SYNC_INTERVAL_MS: String(15 * 60_000), DAILY_SUMMARY_HOUR_UTC: '9' });

  it('two scheduler instances: each 15-minute slot accepts one incremental sync per enabled source', async () => {
    const a = createScheduler(deps());
    const b = createScheduler(deps());
    const t = Date.parse('2026-05-04T08:01:00Z');
    const [ra, rb] = await Promise.all([a.runOnce(t), b.runOnce(t + 1000)]);
    assert.deepEqual([...ra.syncs, ...rb.syncs].map((s) => s.source), ['hubspot'], 'one sync, only for the enabled source');
    assert.equal((await a.runOnce(t + 10 * 60_000)).syncs.length, 0, 'same slot: nothing more');
    assert.equal((await b.runOnce(t + 15 * 60_000)).syncs.length, 1, 'next slot: the next sync');
    const runs = await db.pool.query("SELECT status, trigger, mode FROM sync_runs WHERE trigger = 'scheduler'");
    assert.deepEqual(runs.rows, [
      { status: 'queued', trigger: 'scheduler', mode: 'incremental' },
      { status: 'queued', trigger: 'scheduler', mode: 'incremental' },
    ]);
  });

  it('the daily summary fires once at 09:00 UTC with two instances, is POSTed and retried after a failed delivery', async () => {
    const a = createScheduler(deps());
    const b = createScheduler(deps());
    await db.pool.query(
      `INSERT INTO sync_runs (source, connection_id, mode, status, trigger, records_fetched, records_enqueued, created_at, started_at, finished_at)
       VALUES ('hubspot', 'hubspot-default', 'incremental', 'success', 'scheduler', 30, 7, '2026-05-04T12:00:00Z', '2026-05-04T12:00:00Z', '2026-05-04T12:01:00Z'),
              ('hubspot', 'hubspot-default', 'incremental', 'failed', 'scheduler', 5, 5, '2026-05-04T13:00:00Z', '2026-05-04T13:00:00Z', '2026-05-04T13:01:00Z')`,
    );
    await db.pool.query(
      `INSERT INTO payments (source, connection_id, external_id, kind, status, raw_status, amount_cents, currency, occurred_at)
       VALUES ('stripe', 'stripe-default', 'ch_day', 'charge', 'COLLECTED', 'succeeded', 12345, 'USD', '2026-05-04T15:00:00Z')`,
    );
    const before9 = Date.parse('2026-05-05T08:59:59Z');
    assert.equal((await a.runOnce(before9)).summary, null, 'not before 09:00');
    assert.equal(received.length, 0);

    failNext = 1;
    const nine = Date.parse('2026-05-05T09:00:00Z');
    assert.equal((await a.runOnce(nine)).summary, null, 'a failed delivery does not count as sent');
    assert.equal(received.length, 0);
    const second = await Promise.all([a.runOnce(nine + 30_000), b.runOnce(nine + 30_000)]);
    const third = await Promise.all([a.runOnce(nine + 3_600_000), b.runOnce(nine + 3_600_000)]);
    const sent = [...second, ...third].map((r) => r.summary).filter(Boolean);
    assert.equal(sent.length, 1, 'fired exactly once');
    assert.equal(received.length, 1, 'POSTed exactly once');
    const s = received[0]!;
    assert.equal(s.date, '2026-05-04');
    const hubspot = s.sources.find((x) => x.source === 'hubspot')!;
    assert.deepEqual(hubspot.runs, { total: 2, success: 1, partial: 0, failed: 1, skipped: 0 });
    assert.equal(hubspot.recordsFetched, 35);
    assert.equal(s.revenue.totalRevenueCents, '12345');
    assert.equal(typeof s.dlq.ingest, 'number');
    // The refused attempt and the delivered one are one notice to the receiver: the same id, each signed.
    assert.deepEqual(attempts.map((a) => a.eventId), ['daily-summary:2026-05-04', 'daily-summary:2026-05-04']);
    for (const a of attempts) {
      const t = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(a.signature);
      assert.ok(t, a.signature);
      assert.equal(t[2], createHmac('sha256', NOTICE_SECRET).update(`${t[1]}.${a.body}`).digest('hex'), 'signed with NOTIFY_WEBHOOK_SECRET over the raw body');
    }
  });

  it('a scheduled run is logged by the worker with the trigger it is stored with (scheduler), not the default cli', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const d = { ...deps(), logger: createLogger({ level: 'info', format: 'json' }, capture) };
    const { syncs } = await createScheduler(d).runOnce(Date.parse('2026-05-06T10:01:00Z'));
    assert.equal(syncs.length, 1);
    const runId = syncs[0]!.runId;
    // One run at a time, oldest first, until the queue is empty: the earlier tests' accepted runs go first.
    const worker = createSyncWorker(d, { concurrency: 1 });
    while ((await worker.runOnce()).claimed > 0);
    const stored = (await db.pool.query('SELECT status, trigger FROM sync_runs WHERE id = $1', [runId])).rows[0];
    assert.deepEqual(stored, { status: 'success', trigger: 'scheduler' });
    const logged = lines.filter((l) => l.runId === runId && (l.msg === 'sync started' || l.msg === 'sync finished'));
    assert.deepEqual(logged.map((l) => [l.msg, l.trigger]), [['sync started', 'scheduler'], ['sync finished', 'scheduler']]);
  });
});
