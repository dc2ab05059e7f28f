/** The reconciliations table: a reconciliation's lifecycle and its result, per connection. */
import type { SourceName } from '../config.ts';
import type { ConnectionScope } from '../connections/index.ts';
import { deleteInBatches, storableText, type Queryable } from '../db/index.ts';
import { emitWebhookEvent } from '../webhooks/index.ts';
import type { ReconcileResult } from './types.ts';

/** Status of a reconciliation. */
export type ReconciliationStatus = 'queued' | 'running' | 'done' | 'failed';

/** A reconciliation as the API shows it. */
export interface Reconciliation {
  reconciliationId: string;
  source: SourceName;
  connectionId: string;
  repair: boolean;
  trigger: string;
  status: ReconciliationStatus;
  /** Null until done. */
  result: ReconcileResult | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface Row {
  id: string;
  source: SourceName;
  connection_id: string;
  repair: boolean;
  trigger: string;
  status: ReconciliationStatus;
  result: ReconcileResult | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

function toView(r: Row): Reconciliation {
  return {
    reconciliationId: r.id, source: r.source, connectionId: r.connection_id, repair: r.repair, trigger: r.trigger, status: r.status, result: r.result, error: r.error,
    createdAt: r.created_at.toISOString(), startedAt: r.started_at?.toISOString() ?? null, finishedAt: r.finished_at?.toISOString() ?? null,
  };
}

/** Insert a reconciliation; returns its id. */
export async function insertReconciliation(db: Queryable, r: ConnectionScope & { repair: boolean; trigger: string; status: 'queued' | 'running' }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO reconciliations (source, connection_id, repair, trigger, status, started_at) VALUES ($1, $5, $2, $3, $4, CASE WHEN $4 = 'running' THEN now() END) RETURNING id`,
    [r.source, r.repair, r.trigger, r.status, r.connectionId],
  );
  return rows[0]!.id;
}

/** Mark a queued (or orphaned running) reconciliation running; false when it already ended. */
export async function markReconciliationStarted(db: Queryable, id: string): Promise<boolean> {
  const res = await db.query(`UPDATE reconciliations SET status = 'running', started_at = now() WHERE id = $1 AND status IN ('queued', 'running')`, [id]);
  return res.rowCount === 1;
}

/**
 * End a reconciliation with its result, and emit its reconciliation.completed in the same
 * transaction (`tx`: the caller's, so the event commits with the result or not at all).
 */
export async function finishReconciliation(tx: Queryable, id: string, result: ReconcileResult): Promise<void> {
  const { rows } = await tx.query<{ source: string; connection_id: string; repair: boolean }>(
    `UPDATE reconciliations SET status = 'done', missing = $2, extra = $3, different = $4, result = $5::jsonb, finished_at = now() WHERE id = $1
     RETURNING source, connection_id, repair`,
    [id, result.missing.count, result.extra.count, result.different.count, JSON.stringify(result)],
  );
  const done = rows[0];
  if (!done) return;
  const counts = { missing: result.missing.count, extra: result.extra.count, different: result.different.count, pending: result.pending, upstreamRows: result.upstreamRows, storedRows: result.storedRows };
  await emitWebhookEvent(tx, { type: 'reconciliation.completed', connectionId: done.connection_id, data: { reconciliationId: id, source: done.source, connectionId: done.connection_id, repair: done.repair, counts } });
}

/** End a reconciliation as failed. */
export async function failReconciliation(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE reconciliations SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, [id, storableText(error)]);
}

/** One reconciliation, or null. */
export async function getReconciliation(db: Queryable, id: string): Promise<Reconciliation | null> {
  const { rows } = await db.query<Row>('SELECT * FROM reconciliations WHERE id = $1', [id]);
  return rows[0] ? toView(rows[0]) : null;
}

/**
 * The last finished reconciliation (done or failed) of each source's default connection — what
 * /readyz and the daily summary show per source; a stored connection's are read by id.
 */
export async function lastReconciliations(db: Queryable): Promise<Reconciliation[]> {
  const { rows } = await db.query<Row>(
    `SELECT DISTINCT ON (source) * FROM reconciliations WHERE status IN ('done', 'failed') AND connection_id = source || '-default'
     ORDER BY source, finished_at DESC, created_at DESC`,
  );
  return rows.map(toView);
}

// Queued and running ones are never pruned, nor the newest of each status per connection (the
// daily summary and the dashboard report the last reconciliation however old it is).
const PRUNE_SQL = `
DELETE FROM reconciliations WHERE ctid = ANY(ARRAY(
  SELECT r.ctid FROM reconciliations r
   WHERE r.created_at < $1 AND r.status IN ('done', 'failed')
     AND EXISTS (SELECT 1 FROM reconciliations n WHERE n.connection_id = r.connection_id AND n.status = r.status AND n.created_at > r.created_at)
   LIMIT $2))`;

/** Delete finished reconciliations created before `before`, but the newest of each status per connection. */
export function pruneReconciliations(db: Queryable, before: Date): Promise<number> {
  return deleteInBatches(db, PRUNE_SQL, [before]);
}
