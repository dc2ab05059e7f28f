/**
 * One reconciliation of a source: walk the upstream (./walkUpstream.ts), load the stored rows
 * (./storedRows.ts), and compare by id and content — `missing` (upstream has it, we do not),
 * `extra` (we have it, the upstream does not: deleted there), `different` (same id, other
 * content); with `repair`, re-enqueue exactly the missing and differing records
 * (./repairRecords.ts). Extra rows are reported only: marking rows deleted belongs to the sync's
 * delete detection, which a reconciliation must not preempt with a partial view.
 */
import type { SourceName } from '../config.ts';
import { defaultConnectionId, isDefaultConnection, type ConnectionScope } from '../connections/index.ts';
import type { RawRecord } from '../connectors/index.ts';
import { withDbRetry, withTransaction } from '../db/index.ts';
import { connectorOf, syncActivity, type IngestDeps } from '../ingest/index.ts';
import { newCallStats } from '../resilience/index.ts';
import { differences } from './compareRows.ts';
import { failReconciliation, finishReconciliation, getReconciliation, insertReconciliation, markReconciliationStarted, type Reconciliation } from './reconciliations.ts';
import { repairRecords } from './repairRecords.ts';
import { loadStoredRows } from './storedRows.ts';
import type { ReconcileResult } from './types.ts';
import { walkUpstream } from './walkUpstream.ts';

/** Rows named per kind in a result. */
export const MAX_SAMPLES = 10;

/** What extra rows get on repair (said in every repaired result). */
export const EXTRA_HANDLING = 'reported only: rows deleted upstream are marked by the sync\'s delete detection, not by a reconciliation';

/** Options of {@link runReconciliation}. */
export interface ReconcileOptions {
  source: SourceName;
  /** The connection to reconcile (default: the source's default connection). */
  connectionId?: string;
  repair?: boolean;
  /** Who asked (cli, api, scheduler). */
  trigger?: string;
  /** Run an accepted ('queued') reconciliation instead of creating one. */
  reconciliationId?: string;
  signal?: AbortSignal;
  /** Cancelled (`signal`): put it back in the queue instead of ending it as failed (the worker's choice). */
  onInterrupted?: () => Promise<void>;
}

/** Reconcile one source; returns the stored reconciliation (status done or failed). */
export async function runReconciliation(deps: IngestDeps, opts: ReconcileOptions): Promise<Reconciliation> {
  const { pool } = deps;
  const scope: ConnectionScope = { source: opts.source, connectionId: opts.connectionId ?? defaultConnectionId(opts.source) };
  const logger = deps.logger.child({ component: 'reconcile', source: opts.source, connectionId: scope.connectionId });
  const trigger = opts.trigger ?? 'cli';
  let id = opts.reconciliationId;
  if (id) {
    const started = await withDbRetry(() => markReconciliationStarted(pool, id!));
    if (!started) return (await getReconciliation(pool, id))!;
  } else {
    id = await withDbRetry(() => insertReconciliation(pool, { ...scope, repair: Boolean(opts.repair), trigger, status: 'running' }));
  }
  const rid = id;
  try {
    const connector = await connectorOf(deps, scope);
    if (!connector) throw new Error(`${isDefaultConnection(scope) ? `${opts.source} is disabled or has no credentials configured` : `connection ${scope.connectionId} cannot be opened here`}: nothing to compare with`);
    const ctx = { stats: newCallStats(), signal: opts.signal ?? new AbortController().signal };
    const walk = await walkUpstream(connector, ctx);
    const stored = await withDbRetry(() => loadStoredRows(pool, scope));
    const startedAt = (await withDbRetry(() => getReconciliation(pool, rid)))?.startedAt;
    const syncs = await withDbRetry(() => syncActivity(pool, scope.connectionId, startedAt ? new Date(startedAt) : null));
    const syncedUpTo = syncs.lastSuccessAt?.getTime() ?? Number.POSITIVE_INFINITY;
    // Changed upstream since the last sync completed: in flight, not a difference (unknown time: compared).
    const changedSinceSync = (ms: string | null | undefined) => ms !== null && ms !== undefined && Number(ms) > syncedUpTo;
    // A sync running beside this walk (or ended during it) may still write, or has just written,
    // any row: what differs is pending, not missing or different (docs/runbooks/reconciliation.md).
    const mayStillWrite = (ms: string | null | undefined) => syncs.busy || changedSinceSync(ms);
    const result: ReconcileResult = {
      source: opts.source, upstreamRecords: walk.records, upstreamInvalid: walk.invalid, upstreamRows: [...walk.rows.values()].filter((u) => !u.deleted).length,
      storedRows: [...stored.values()].filter((s) => !s.deleted).length,
      pending: 0,
      missing: { count: 0, samples: [] }, extra: { count: 0, samples: [] }, different: { count: 0, samples: [] }, repair: null,
    };
    const toRepair: RawRecord[] = [];
    for (const [key, up] of walk.rows) {
      const here = stored.get(key);
      if (up.deleted) {
        // Deleted upstream: right when absent or marked deleted here; a live row here differs in that.
        if (!here || here.deleted) continue;
        if (syncs.busy) {
          result.pending++;
          continue;
        }
        result.different.count++;
        if (result.different.samples.length < MAX_SAMPLES) result.different.samples.push({ table: up.table, externalId: up.externalId, fields: [{ field: 'deletedAt', stored: null, upstream: 'set' }] });
        toRepair.push(up.record);
        continue;
      }
      if (mayStillWrite(up.fields.sourceUpdatedAt) && (!here || differences(up.table, here.fields, up.fields).length > 0)) {
        result.pending++;
        continue;
      }
      if (!here) {
        result.missing.count++;
        if (result.missing.samples.length < MAX_SAMPLES) result.missing.samples.push({ table: up.table, externalId: up.externalId });
        toRepair.push(up.record);
        continue;
      }
      const fields = differences(up.table, here.fields, up.fields);
      // A row marked deleted here that the upstream still lists differs in exactly that.
      if (here.deleted) fields.push({ field: 'deletedAt', stored: 'set', upstream: null });
      if (fields.length === 0) continue;
      result.different.count++;
      if (result.different.samples.length < MAX_SAMPLES) result.different.samples.push({ table: up.table, externalId: up.externalId, fields });
      toRepair.push(up.record);
    }
    for (const [key, here] of stored) {
      if (here.deleted || walk.rows.has(key)) continue;
      result.extra.count++;
      if (result.extra.samples.length < MAX_SAMPLES) result.extra.samples.push({ table: here.table, externalId: here.externalId });
    }
    if (opts.repair && toRepair.length > 0) {
      // One record may carry several differing rows: enqueue it once.
      const unique = [...new Map(toRepair.map((r) => [`${r.entity}:${r.externalId}`, r])).values()];
      const repaired = await repairRecords(pool, connector, scope, unique, `reconcile:${rid}`);
      result.repair = { ...repaired, extraHandling: EXTRA_HANDLING };
    } else if (opts.repair) {
      result.repair = { runId: null, recordsEnqueued: 0, extraHandling: EXTRA_HANDLING };
    }
    await withDbRetry(() => withTransaction(pool, (tx) => finishReconciliation(tx, rid, result)));
    logger.info({ reconciliationId: rid, missing: result.missing.count, extra: result.extra.count, different: result.different.count, repair: result.repair }, 'reconciliation finished');
  } catch (err) {
    if (opts.signal?.aborted) {
      // Stopping is expected and loses nothing but the walk so far: no error line.
      logger.info({ reconciliationId: rid }, 'reconciliation interrupted');
      if (opts.onInterrupted) await withDbRetry(() => opts.onInterrupted!()).catch((e: unknown) => logger.warn({ err: e, reconciliationId: rid }, 'interrupted reconciliation not requeued'));
      else await withDbRetry(() => failReconciliation(pool, rid, 'interrupted before it finished; run it again')).catch(() => undefined);
      return (await withDbRetry(() => getReconciliation(pool, rid)))!;
    }
    logger.error({ reconciliationId: rid, err }, 'reconciliation failed');
    await withDbRetry(() => failReconciliation(pool, rid, (err as Error).message ?? String(err))).catch(() => undefined);
  }
  return (await withDbRetry(() => getReconciliation(pool, rid)))!;
}
