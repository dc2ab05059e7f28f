/**
 * The producer: one sync run of one connection (all its streams, or one entity). Takes the
 * per-(connection, entity) lease rows for the whole run (a concurrent run ends at once as
 * `skipped`; see acquireSyncLease), pages every stream from its stored cursor (full mode: from the start), writes each
 * page in one transaction (see writePage), and recovers from a rejected cursor by resetting it
 * and backfilling in the same run.
 */
import type { SourceName } from '../config.ts';
import { StaleCursorError, type Connector, type EntityStream, type SyncMode, type SyncTarget } from '../connectors/index.ts';
import { defaultConnectionId, isDefaultConnection, type ConnectionScope } from '../connections/index.ts';
import { withDbRetry, withTransaction } from '../db/index.ts';
import { newCallStats } from '../resilience/index.ts';
import { ingestMetrics } from './ingestMetrics.ts';
import { LeaseLostError, tryAcquireSyncLease, type SyncLease } from './acquireSyncLease.ts';
import { readCursors, storeCursor } from './cursors.ts';
import {
  activeRunOf, failAbandonedRuns, finishRun, getRun, insertRun, markRunFailed, markRunSkipped, markRunStarted, newRunProgress, runState, saveRunProgress, type RunProgress,
} from './runs.ts';
import type { IngestDeps, RunReport, SyncProgress } from './types.ts';
import { writePage } from './writePage.ts';
import { runTargetedSync } from './runTargetedSync.ts';
import { connectorOf } from './connectorOf.ts';

/** Options of {@link runSync}. */
export interface RunSyncOptions {
  source: SourceName;
  /** The connection to sync (default: the source's default connection). */
  connectionId?: string;
  mode: SyncMode;
  /** Sync one entity stream only (default: every stream of the source). */
  entity?: string;
  /** Run an accepted ('queued') run row instead of creating one. */
  runId?: string;
  /** Who asked (api, scheduler, cli); recorded on a new run (an accepted run keeps the label stored with it). */
  trigger?: string;
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
  /** Read only this record or date range (runTargetedSync): no stream, no cursor. */
  target?: SyncTarget;
}

const TERMINAL = new Set(['success', 'partial', 'failed', 'skipped']);
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
// A connector that notes something per page must not grow the report without bound.
const MAX_NOTES = 50;

/** Run one sync and return its report (the processor's counts keep growing as the outbox drains). */
export async function runSync(deps: IngestDeps, opts: RunSyncOptions): Promise<RunReport> {
  const scope: ConnectionScope = { source: opts.source, connectionId: opts.connectionId ?? defaultConnectionId(opts.source) };
  if (opts.target) {
    const { mode, target, runId, trigger, signal } = opts;
    return runTargetedSync(deps, { ...scope, mode, target, ...(runId ? { runId } : {}), ...(trigger ? { trigger } : {}), ...(signal ? { signal } : {}) });
  }
  const { pool } = deps;
  const logger = deps.logger.child({ component: 'ingest.producer', source: opts.source, connectionId: scope.connectionId });
  const entityLabel = opts.entity ?? '*';
  let runId = opts.runId;
  const stored = runId ? await withDbRetry(() => runState(pool, runId!)) : null;
  const existing = stored?.status ?? null;
  if (runId && existing && TERMINAL.has(existing)) return (await getRun(pool, runId))!;
  // An accepted run already carries its label (scheduler, api): that row is the one owner of it.
  const trigger = stored?.trigger ?? opts.trigger ?? 'cli';

  const skip = async (reason: string): Promise<RunReport> => {
    if (runId && existing === 'queued') await withDbRetry(() => markRunSkipped(pool, runId!, reason));
    else if (!runId || !existing) runId = await withDbRetry(() => insertRun(pool, { id: runId, ...scope, entity: entityLabel, mode: opts.mode, status: 'skipped', trigger, reason }));
    logger.info({ runId, reason }, 'sync skipped');
    ingestMetrics.runs.inc({ source: opts.source, status: 'skipped' });
    return (await getRun(pool, runId!))!;
  };

  const connector = await connectorOf(deps, scope);
  if (!connector) {
    return skip(isDefaultConnection(scope) ? `source ${opts.source} is disabled (no connector configured)` : `connection ${scope.connectionId} is not usable here (unknown, paused, removed, or its credentials cannot be read)`);
  }
  const streams = connector.streams.filter((s) => opts.entity === undefined || s.entity === opts.entity);
  if (streams.length === 0) return skip(`source ${opts.source} has no entity stream named ${JSON.stringify(opts.entity)}`);

  // A lost lease (heartbeat found it taken over) stops the run like a cancellation does.
  const leaseLost = new AbortController();
  const ttlMs = deps.config.sync.leaseTtlMs;
  const acquire = () => tryAcquireSyncLease(pool, { connectionId: scope.connectionId, entities: streams.map((s) => s.entity), ttlMs, onLost: (err) => leaseLost.abort(err) });
  let lease = await acquire();
  // Our own run, reclaimed from a worker that died: the dead worker's lease on it expires within
  // the TTL (the job's lease, just expired, has the same length). Wait for it rather than skip.
  for (const giveUpAt = Date.now() + 2 * ttlMs; !lease && runId && existing === 'running' && Date.now() < giveUpAt && !opts.signal?.aborted; ) {
    await new Promise((r) => setTimeout(r, Math.max(100, ttlMs / 10)));
    lease = await acquire();
  }
  if (!lease) {
    const other = await withDbRetry(() => activeRunOf(pool, scope, runId ?? NIL_UUID));
    return skip(`${anotherSync(scope)} is already running${other ? ` (run ${other})` : ''}; this one did not start`);
  }
  try {
    if (runId && existing) await withDbRetry(() => markRunStarted(pool, runId!));
    else runId = await withDbRetry(() => insertRun(pool, { id: runId, ...scope, entity: entityLabel, mode: opts.mode, status: 'running', trigger }));
    const id = runId!;
    const abandoned = await withDbRetry(() => withTransaction(pool, (tx) => failAbandonedRuns(tx, scope, streams.map((s) => s.entity), id)));
    if (abandoned) logger.warn({ runId: id, abandoned }, 'marked runs of a dead process as failed');
    logger.info({ runId: id, mode: opts.mode, entity: entityLabel, trigger }, 'sync started');
    try {
      const signal = opts.signal ? AbortSignal.any([opts.signal, leaseLost.signal]) : leaseLost.signal;
      await syncStreams(deps, { connector, scope, streams, runId: id, lease, opts: { ...opts, signal } });
    } catch (err) {
      logger.error({ runId: id, err }, 'sync failed');
      await withDbRetry(() => withTransaction(pool, (tx) => markRunFailed(tx, id, (err as Error).message ?? String(err)))).catch(() => undefined);
    }
  } finally {
    await lease.release();
  }
  const report = (await withDbRetry(() => getRun(pool, runId!)))!;
  ingestMetrics.runs.inc({ source: opts.source, status: report.status });
  const { pagesFetched, recordsFetched, recordsEnqueued, recordsDeduped, recordsInvalid } = report;
  logger.info({ runId, trigger, status: report.status, pagesFetched, recordsFetched, recordsEnqueued, recordsDeduped, recordsInvalid, error: report.error }, 'sync finished');
  return report;
}

async function syncStreams(
  deps: IngestDeps,
  r: { connector: Connector; scope: ConnectionScope; streams: EntityStream[]; runId: string; lease: SyncLease; opts: RunSyncOptions },
): Promise<void> {
  const { connector, scope, runId, lease, opts } = r;
  const source = connector.source;
  const logger = deps.logger.child({ component: 'ingest.producer', source, connectionId: scope.connectionId, runId });
  const signal = opts.signal ?? new AbortController().signal;
  const stored = await withDbRetry(() => readCursors(deps.pool, scope, r.streams.map((s) => s.entity)));
  let progress: RunProgress = { ...newRunProgress(newCallStats()), cursorBefore: stored, cursorAfter: { ...stored } };
  // One array shared by every progress snapshot (they are spread copies), so a note made while a
  // page is being written is still in the next save and in the final report.
  const notes = progress.notes;
  const note = (text: string) => {
    if (notes.includes(text) || notes.length >= MAX_NOTES) return;
    notes.push(text);
    logger.info({ note: text }, 'run note');
  };

  const emit = (entity: string, kind: SyncProgress['kind']) => {
    const s = progress.stats;
    opts.onProgress?.({
      source, connectionId: scope.connectionId, entity, kind, pagesFetched: progress.pagesFetched, recordsFetched: progress.recordsFetched,
      recordsEnqueued: progress.recordsEnqueued, recordsDeduped: progress.recordsDeduped,
      retries: Object.values(s.retries).reduce((a, b) => a + b, 0), rateLimitWaits: s.rateLimitWaits,
    });
  };
  const ctx = { stats: progress.stats, signal, note, onProgress: (e: { entity: string }) => emit(e.entity, 'fetch') };

  async function syncStream(stream: EntityStream): Promise<void> {
    let cursor = opts.mode === 'full' ? null : (stored[stream.entity] ?? null);
    let mode = opts.mode;
    for (let restarted = false; ; restarted = true) {
      try {
        for await (const page of stream.pages(cursor, mode, ctx)) {
          const before = progress;
          progress = await lease.transaction((tx) => writePage(tx, { connector, scope, runId, streamEntity: stream.entity, page, progress: before }));
          // Counted once committed (a retried transaction must not count twice).
          ingestMetrics.records.inc({ source, outcome: 'enqueued' }, progress.recordsEnqueued - before.recordsEnqueued);
          ingestMetrics.records.inc({ source, outcome: 'deduped' }, progress.recordsDeduped - before.recordsDeduped);
          emit(stream.entity, 'page');
          if (signal.aborted) throw signal.reason ?? new Error('sync aborted');
        }
        return;
      } catch (err) {
        if (!isStaleCursor(err) || restarted) throw err;
        // The upstream rejected the cursor: forget it and backfill this stream from the start.
        logger.warn({ entity: stream.entity, err }, 'stale cursor: resetting and running a full backfill');
        progress = { ...progress, staleCursorDetected: true, fullBackfillTriggered: true, cursorAfter: { ...progress.cursorAfter, [stream.entity]: null } };
        const snapshot = progress;
        await lease.transaction(async (tx) => {
          await storeCursor(tx, scope, stream.entity, null);
          await saveRunProgress(tx, runId, snapshot);
        });
        ingestMetrics.staleCursors.inc({ source });
        emit(stream.entity, 'stale_cursor');
        cursor = null;
        mode = 'full';
      }
    }
  }

  const errors: string[] = [];
  for (const stream of r.streams) {
    try {
      await syncStream(stream);
    } catch (err) {
      if (signal.aborted) {
        // Cancelled (the worker is stopping): expected, and nothing is lost — every page written
        // so far is committed with its cursor.
        const why = signal.reason instanceof Error ? signal.reason.message : 'cancelled';
        logger.info({ entity: stream.entity, reason: why }, 'sync interrupted');
        errors.push(`${stream.entity}: interrupted (${why}); the next run resumes from the last committed page`);
        break;
      }
      logger.error({ entity: stream.entity, err }, 'stream failed');
      errors.push(`${stream.entity}: ${(err as Error).message ?? String(err)}`);
      // Without the lease no other stream may write either.
      if (err instanceof LeaseLostError) break;
    }
  }
  const status = errors.length ? 'failed' : progress.recordsInvalid > 0 ? 'partial' : 'success';
  const final = progress;
  await withDbRetry(() => withTransaction(deps.pool, (tx) => finishRun(tx, runId, final, status, errors.length ? errors.join('; ') : null)));
}

function isStaleCursor(err: unknown): boolean {
  return err instanceof StaleCursorError || (err as { name?: unknown } | null)?.name === 'StaleCursorError';
}

// The default connection is what single-account users know as "the stripe sync".
function anotherSync(scope: ConnectionScope): string {
  return isDefaultConnection(scope) ? `another ${scope.source} sync` : `another sync of connection ${scope.connectionId}`;
}
