/**
 * The repair of a reconciliation: the upstream records of exactly the missing and differing rows
 * go into the ingest outbox through the sync's own page writer (writePage), under a run of their
 * own (entity 'reconcile'), so versions and outbox dedupe apply and the processor upserts them
 * like any sync. The content-hash dedupe is bypassed (`force`): the upstream did not change,
 * what is stored did. No cursor is touched.
 */
import type { ConnectionScope } from '../connections/index.ts';
import type { Connector, RawRecord } from '../connectors/index.ts';
import { withDbRetry, withTransaction, type Pool } from '../db/index.ts';
import { finishRun, insertRun, markRunFailed, newRunProgress, writePage, type RunProgress } from '../ingest/index.ts';
import { newCallStats } from '../resilience/index.ts';

const PAGE = 100;

/** Enqueue `records` under a new run; returns its id and how many jobs were enqueued. */
export async function repairRecords(pool: Pool, connector: Connector, scope: ConnectionScope, records: RawRecord[], trigger: string): Promise<{ runId: string; recordsEnqueued: number }> {
  const runId = await withDbRetry(() => insertRun(pool, { ...scope, entity: 'reconcile', mode: 'full', status: 'running', trigger }));
  let progress: RunProgress = newRunProgress(newCallStats());
  progress.notes.push(`reconciliation repair: ${records.length} record(s) the stored rows differ from, re-enqueued`);
  try {
    for (let i = 0; i < records.length; i += PAGE) {
      const page = { records: records.slice(i, i + PAGE), cursorAfter: null };
      const before = progress;
      progress = await withDbRetry(() => withTransaction(pool, (tx) => writePage(tx, { connector, scope, runId, streamEntity: 'reconcile', page, progress: before, force: true })));
    }
    const final = progress;
    await withDbRetry(() => withTransaction(pool, (tx) => finishRun(tx, runId, final, final.recordsInvalid > 0 ? 'partial' : 'success', null)));
  } catch (err) {
    await withDbRetry(() => withTransaction(pool, (tx) => markRunFailed(tx, runId, (err as Error).message ?? String(err)))).catch(() => undefined);
    throw err;
  }
  return { runId, recordsEnqueued: progress.recordsEnqueued };
}
