import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { useTestDb } from '../helpers/testResources.ts';
import { createOrderWorkers, FULFILLMENT_QUEUE, insertOrder, STATUS_QUEUE } from '../../src/orders/index.ts';
import { countRows, drain, FULL_HISTORY, historyOf, statusOf } from './support.ts';
import { waitFor } from '../helpers/waitFor.ts';

const CHILD = fileURLToPath(new URL('./fixtures/orderWorkersChild.ts', import.meta.url));
const APP = 'orders-crash-child';

function startChild(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env: { ...process.env, ORDERS_CHILD_DB_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
  });
}

async function sigkill(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('order consumers survive SIGKILL (child process)', () => {
  const db = useTestDb();

  async function newOrders(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await insertOrder(db.pool, randomUUID(), `crash-${i}`, [{ productId: 'prod_1', quantity: 1, priceCents: 500n }])).id);
    return ids;
  }

  async function finishInParent(ids: string[]): Promise<void> {
    // The killed backend's transaction must be gone before its rows can be claimed again.
    await waitFor('the killed consumer’s connections to close', async () => {
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [APP]);
      return rows[0]!.n === 0;
    });
    const workers = createOrderWorkers({ pool: db.pool, orders: { fulfillmentMinDelayMs: 0, fulfillmentMaxDelayMs: 0 } });
    await drain([workers.fulfillment, workers.status], async () => {
      for (const id of ids) if ((await statusOf(db.pool, id)) !== 'Delivered') return false;
      return true;
    });
    for (const id of ids) assert.deepEqual(await historyOf(db.pool, id), FULL_HISTORY, `order ${id}: every step exactly once`);
    const counts = await countRows(db.pool);
    assert.equal(counts.jobs, 0, 'no event left behind');
    assert.equal(counts.dead, 0, 'nothing dead-lettered');
  }

  it('killed after publishing order.shipped but before acking the ship step: nothing lost, nothing doubled', async () => {
    const ids = await newOrders(8);
    const target = ids[0]!;
    // Hold the dedupe slot of the target's "deliver" step in an open transaction: the child's ship
    // step for it publishes order.shipped, then blocks when it schedules "deliver" — i.e. it is
    // frozen between publishing and acknowledging, which is when we kill it.
    const blocker = await db.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query(`INSERT INTO jobs (queue, payload, dedupe_key) VALUES ($1, '{"blocker":true}', $2)`, [FULFILLMENT_QUEUE, `deliver:${target}`]);
    const child = await startChild(db.url);
    try {
      await waitFor('the child to block mid-step', async () => {
        const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [APP]);
        return rows[0]!.n > 0;
      });
    } finally {
      await sigkill(child);
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const shippedForTarget = await db.pool.query(`SELECT 1 FROM jobs WHERE queue = $1 AND payload->>'orderId' = $2 AND payload->>'type' = 'order.shipped'`, [STATUS_QUEUE, target]);
    assert.equal(shippedForTarget.rowCount, 0, 'the uncommitted publish died with the consumer');
    await finishInParent(ids);
  });

  it('killed at an arbitrary moment while consuming many orders: every order still ends Delivered exactly once', async () => {
    const ids = await newOrders(40);
    const child = await startChild(db.url);
    try {
      await waitFor('some progress in the child', async () => {
        const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE status <> 'Pending Shipment'");
        return rows[0]!.n >= 5;
      });
    } finally {
      await sigkill(child);
    }
    await finishInParent(ids);
  });
});
