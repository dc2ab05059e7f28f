/**
 * The webhook events of a run's end (`sync.completed`, `sync.failed`), emitted by the statements
 * that end runs (./runs.ts), in their transaction: a finish that rolls back announces nothing.
 * The counts are the producer's side of the report at that moment; the processor's side
 * (upserted, deleted, failed) keeps growing while the outbox drains, so it is left to
 * `GET /runs/:id`.
 */
import type { Queryable } from '../db/index.ts';
import { emitWebhookEvent } from '../webhooks/index.ts';
import type { RunRow } from './runs.ts';

/** The columns an ending UPDATE returns for {@link announceRunEnds}. */
export const ENDED_RUN_COLUMNS = 'id, source, connection_id, mode, status, error, pages_fetched, records_fetched, records_enqueued, records_deduped, records_invalid, records_sanitized';

/** A run row as an ending UPDATE returns it. */
export type EndedRun = Pick<RunRow, 'id' | 'source' | 'connection_id' | 'mode' | 'status' | 'error' | 'pages_fetched' | 'records_fetched' | 'records_enqueued' | 'records_deduped' | 'records_invalid' | 'records_sanitized'>;

/** Emit one event per ended run in `tx`. */
export async function announceRunEnds(tx: Queryable, runs: readonly EndedRun[]): Promise<void> {
  for (const r of runs) {
    const data = {
      runId: r.id,
      source: r.source,
      connectionId: r.connection_id,
      mode: r.mode,
      status: r.status,
      counts: {
        pagesFetched: r.pages_fetched,
        recordsFetched: r.records_fetched,
        recordsEnqueued: r.records_enqueued,
        recordsDeduped: r.records_deduped,
        recordsInvalid: r.records_invalid,
        recordsSanitized: r.records_sanitized,
      },
      ...(r.error !== null ? { error: r.error } : {}),
    };
    await emitWebhookEvent(tx, { type: r.status === 'failed' ? 'sync.failed' : 'sync.completed', connectionId: r.connection_id, data });
  }
}
