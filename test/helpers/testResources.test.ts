import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createClosers, useTestDb } from './testResources.ts';

describe('createClosers', () => {
  it('runs the closers last added first', async () => {
    const closers = createClosers();
    const ran: string[] = [];
    for (const name of ['db', 'sim', 'app']) closers.add(async () => void ran.push(name));
    await closers.closeAll();
    assert.deepEqual(ran, ['app', 'sim', 'db']);
  });

  it('keeps closing after a closer fails, then throws that closer’s error', async () => {
    const closers = createClosers();
    const ran: string[] = [];
    const boom = new Error('the app would not close');
    closers.add(() => void ran.push('db'));
    closers.add(() => {
      throw boom;
    });
    closers.add(() => void ran.push('worker'));
    await assert.rejects(closers.closeAll(), (err) => err === boom);
    assert.deepEqual(ran, ['worker', 'db'], 'the closers before and after the failing one ran');
  });

  it('several failures are all reported, the first to fail named in the message', async () => {
    const closers = createClosers();
    let dropped = false;
    closers.add(() => void (dropped = true));
    closers.add(() => Promise.reject(new Error('sim stuck')));
    closers.add(() => Promise.reject(new Error('app stuck')));
    await assert.rejects(closers.closeAll(), (err: unknown) => {
      assert.ok(err instanceof AggregateError);
      assert.deepEqual(err.errors.map((e: Error) => e.message), ['app stuck', 'sim stuck']);
      assert.match(err.message, /2 closers failed; the first: app stuck/);
      return true;
    });
    assert.equal(dropped, true);
  });

  it('runs each closer once', async () => {
    const closers = createClosers();
    let runs = 0;
    closers.add(() => void runs++);
    await closers.closeAll();
    await closers.closeAll();
    assert.equal(runs, 1);
  });
});

describe('useTestDb', () => {
  // What the suite below saw, checked once its after hook has run.
  const seen = { name: '', early: undefined as unknown, closedWhileDbUp: [] as string[] };

  describe('a suite with a database, a resource and a closing function', () => {
    const db = useTestDb({ poolMax: 2 });
    try {
      void db.pool;
    } catch (err) {
      seen.early = err;
    }
    const resource = (label: string) => ({
      async close() {
        // Closed while the database is still there: it is dropped last.
        await db.pool.query('SELECT 1');
        seen.closedWhileDbUp.push(label);
      },
    });
    before(() => {
      db.closeLater(resource('first'));
    });

    it('gives a cloned, migrated database with the asked pool size inside tests', async () => {
      const { rows } = await db.pool.query<{ name: string }>('SELECT current_database() AS name');
      seen.name = rows[0]!.name;
      assert.match(seen.name, /^t_[0-9a-f]{12}$/);
      assert.ok(db.url.endsWith(`/${seen.name}`));
      assert.equal(db.pool.options.max, 2);
      assert.equal((await db.pool.query('SELECT 1 FROM buffalo_migrations LIMIT 1')).rowCount, 1);
      db.closeLater(resource('second'));
      db.onClose(async () => {
        await db.pool.query('SELECT 1');
        seen.closedWhileDbUp.push('third');
      });
    });
  });

  it('refused the database while the suite was declared', () => {
    assert.match(String((seen.early as Error)?.message), /created in a before\(\) hook/);
  });

  it('closed the suite’s resources last first while its database was up, then dropped the database', async () => {
    assert.deepEqual(seen.closedWhileDbUp, ['third', 'second', 'first']);
    const admin = new pg.Client(process.env.BUFFALO_TEST_PG_URL);
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [seen.name]);
      assert.equal(rowCount, 0, `database ${seen.name} is gone`);
    } finally {
      await admin.end();
    }
  });
});
