/**
 * The maintenance loop of the scheduler role: once an hour, every growing table is pruned to its
 * retention (./retentionTasks.ts). Safe with several schedulers: the deletes are idempotent and
 * short (batched), so two instances pruning at once only share the work.
 */
import type { Config } from '../config.ts';
import type { Pool } from '../db/index.ts';
import { runPeriodically } from '../ingest/index.ts';
import type { Logger } from '../log.ts';
import { systemClock, type Clock } from '../queue/index.ts';
import { retentionTasks } from './retentionTasks.ts';

/** Rows removed per table by one round. */
export type PruneCounts = Record<string, number>;

/** The maintenance loop: `runOnce` for tests, `start`/`stop` for the scheduler role. */
export interface Maintenance {
  runOnce(): Promise<PruneCounts>;
  start(): void;
  stop(): Promise<void>;
}

const EVERY_MS = 60 * 60_000;

/** Create the loop (hourly once started). A table that fails to prune is logged and retried next round; the others still run. */
export function createMaintenance(deps: { pool: Pool; config: Config; logger: Logger; clock?: Clock; everyMs?: number }): Maintenance {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger.child({ component: 'maintenance' });
  const tasks = retentionTasks(deps.config);
  async function runOnce(): Promise<PruneCounts> {
    const now = new Date(clock.now());
    const counts: PruneCounts = {};
    for (const task of tasks) {
      try {
        counts[task.table] = await task.prune(deps.pool, now);
      } catch (err) {
        logger.warn({ err, table: task.table }, 'pruning failed; retrying next round');
      }
    }
    const pruned = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    if (Object.keys(pruned).length) logger.info({ pruned }, 'maintenance pruned rows past retention');
    return counts;
  }
  return { runOnce, ...runPeriodically(runOnce, { everyMs: deps.everyMs ?? EVERY_MS, logger, what: 'maintenance' }) };
}
