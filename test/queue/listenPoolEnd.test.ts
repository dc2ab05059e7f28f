import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { createPool } from '../../src/db/index.ts';
import { createLogger } from '../../src/log.ts';
import { systemClock } from '../../src/queue/index.ts';
import { LISTENER_APPLICATION, subscribe } from '../../src/queue/listen.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('queue listener: its pool ended', () => {
  const db = useTestDb();

  it('a listener whose pool was ended does not reconnect (nor warn) when its connection goes, as at shutdown', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = createLogger({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }), cb()) }));
    const pool = createPool(db.url, { max: 2 });
    // A subscriber still registered when the pool ends: a worker that did not stop in time.
    const sub = subscribe(pool, 'pool-end', () => undefined, { logger, clock: systemClock });
    await sub.ready;
    const listenerPids = async () =>
      (await db.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [LISTENER_APPLICATION])).rows.map((r) => r.pid);
    try {
      const [pid] = await waitFor('the listener connection', async () => ((await listenerPids()).length === 1 ? await listenerPids() : false));
      await pool.end();
      // What stopping the database does to every connection left.
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);

      const seen = await waitFor('the listener to notice its connection went', () => lines.find((l) => l.msg.startsWith('queue listener')));
      assert.equal(seen.msg, 'queue listener connection ended after its pool was; not reconnecting');
      assert.deepEqual(lines.filter((l) => l.level >= 40), [], 'no warning');
    } finally {
      await sub.close();
    }
  });
});
