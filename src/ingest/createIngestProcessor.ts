/**
 * The processor: a batch worker on the ingest outbox. Each claimed batch is normalized with the
 * source's pure (zod) normalizer and upserted set-wise in the transaction that acks the jobs.
 * A record that cannot be normalized is refused at once as permanent (→ DLQ with the exact
 * error and raw payload) without holding back the rest of the batch; a failing upsert makes the
 * queue re-run the batch job by job, so only the bad job fails (transient ones are retried with
 * backoff and reach the DLQ after 5 attempts). Rows carry the version their job travelled with,
 * so whichever processor upserts last, the newest version stays (see upsertUnified). Each
 * record's raw payload is kept with its row, under the same version rule (rawRecords.ts).
 */
import { defaultConnectionId, isDefaultConnection, type ConnectionScope } from '../connections/index.ts';
import type { Connector, UnifiedRecord } from '../connectors/index.ts';
import { createBatchWorker, PermanentError, type Job, type Worker } from '../queue/index.ts';
import type { Clock } from '../resilience/index.ts';
import { connectorOf } from './connectorOf.ts';
import { normalizeRecord } from './normalizeRecord.ts';
import { rawRecordOf, storeRawRecords, type RawRecordWrite } from './rawRecords.ts';
import { tallyRuns } from './tallyRuns.ts';
import { INGEST_QUEUE, type IngestDeps, type IngestJobPayload } from './types.ts';
import { addToBatch, deletedRowKey, emptyBatch, upsertUnified } from './upsertUnified.ts';

/** Options of {@link createIngestProcessor}. */
export interface IngestProcessorOptions {
  /** Jobs per claim transaction (default 500). */
  batchSize?: number;
  /** Idle poll when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  clock?: Clock;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ingest outbox worker: `runOnce()` for one batch (tests, CLI), `start()` for continuous processing. */
export function createIngestProcessor(deps: IngestDeps, opts: IngestProcessorOptions = {}): Worker {
  const logger = deps.logger.child({ component: 'ingest.processor' });
  return createBatchWorker<IngestJobPayload>({
    pool: deps.pool,
    queue: INGEST_QUEUE,
    batchSize: opts.batchSize ?? 500,
    pollIntervalMs: opts.pollIntervalMs ?? 1000,
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    async handleBatch(jobs, tx) {
      const batch = emptyBatch();
      const raw: RawRecordWrite[] = [];
      const failed: Array<{ id: string; error: unknown }> = [];
      const upsertedByRun = new Map<string, number>();
      // Which run a row's deletion belongs to: the last job of the batch that deleted it.
      const deletingRun = new Map<string, string>();
      // The batch's connectors first, one lookup per connection and all at once; then every job
      // is normalized without awaiting (a stored connection's connector is built once and cached).
      const scopes = new Map<string, ConnectionScope>();
      for (const job of jobs) {
        const scope = scopeOf(job.payload);
        if (scope) scopes.set(scope.connectionId, scope);
      }
      const connectors = new Map(await Promise.all([...scopes.values()].map(async (scope) => [scope.connectionId, await connectorOf(deps, scope)] as const)));
      for (const job of jobs) {
        const normalized = normalizeJob(job, (scope) => connectors.get(scope.connectionId));
        if (normalized instanceof Error) {
          failed.push({ id: job.id, error: normalized });
          continue;
        }
        const { connectionId } = normalized.scope;
        addToBatch(batch, normalized.records, connectionId);
        const kept = rawRecordOf(normalized.connector, { ...job.payload, connectionId }, normalized.records, job.id);
        if (kept) raw.push(kept);
        const runId = job.payload.runId;
        if (!runId || !UUID.test(runId)) continue;
        const upserted = normalized.records.filter((r) => r.table !== 'deletions').length;
        if (upserted > 0) upsertedByRun.set(runId, (upsertedByRun.get(runId) ?? 0) + upserted);
        for (const key of deletingKeys(normalized.records, connectionId)) deletingRun.set(key, runId);
      }
      const outcome = await upsertUnified(tx, batch);
      await storeRawRecords(tx, raw);
      const deletedByRun = new Map<string, number>();
      for (const key of outcome.deleted) {
        const runId = deletingRun.get(key);
        if (runId) deletedByRun.set(runId, (deletedByRun.get(runId) ?? 0) + 1);
      }
      await tallyRuns(tx, upsertedByRun, deletedByRun);
      await deps.announceChanges?.(tx);
      return { failed };
    },
  });
}

type Normalized = { connector: Connector; scope: ConnectionScope; records: UnifiedRecord[] };

// The connection a job belongs to; null for a payload that is not an ingest job. Jobs queued
// before connections existed belong to the source's default connection.
function scopeOf(p: IngestJobPayload | null | undefined): ConnectionScope | null {
  if (!p || typeof p !== 'object' || typeof p.source !== 'string') return null;
  return { source: p.source, connectionId: typeof p.connectionId === 'string' ? p.connectionId : defaultConnectionId(p.source) };
}

function normalizeJob(job: Job<IngestJobPayload>, connectorFor: (scope: ConnectionScope) => Connector | undefined): Normalized | Error {
  const p = job.payload;
  const scope = scopeOf(p);
  if (!scope) return new PermanentError('not an ingest job: payload has no source');
  const connector = connectorFor(scope);
  // Not permanent: this process may simply lack the source's configuration while another
  // worker has it (the queue retries with backoff; a replay after fixing the config works too).
  if (!connector) {
    return new Error(isDefaultConnection(scope) ? `no connector for source ${JSON.stringify(p.source)} in this process (disabled or not configured)` : `no connector for connection ${JSON.stringify(scope.connectionId)} in this process (unknown, removed, or its credentials cannot be read)`);
  }
  // Beyond the stored bounds when fetched (see prepareRecord): dead-lettered with the reason.
  if (p.unstorable) return new PermanentError(p.unstorable.reason);
  // A tombstone of the pipeline's own (sweepFullRead.ts): no upstream payload to normalize.
  if (p.gone) {
    const deletion: UnifiedRecord = { table: 'deletions', row: { table: p.gone.table, source: p.source, externalId: p.externalId, deletedAt: p.gone.deletedAt, sourceVersion: p.version ?? null } };
    return { connector, scope, records: [deletion] };
  }
  const records = normalizeRecord(connector, p);
  return records instanceof Error ? records : { connector, scope, records };
}

// Keys (deletedRowKey) of the rows a job's records may move to deleted.
function deletingKeys(records: readonly UnifiedRecord[], connectionId: string): string[] {
  const keys: string[] = [];
  for (const r of records) {
    if (r.table === 'deletions') keys.push(deletedRowKey(r.row.table, connectionId, r.row.externalId));
    else if (r.table !== 'campaign_syncs' && r.row.deleted) keys.push(deletedRowKey(r.table, connectionId, r.row.externalId));
  }
  return keys;
}
