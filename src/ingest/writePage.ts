/**
 * One page of a sync, written in ONE transaction: content-hash dedupe, enqueue of new and
 * changed records into the ingest outbox (each with its upstream version), their hashes, the
 * stream's cursor and the run's report so far. A crash before COMMIT leaves the cursor where it
 * was (the page is fetched again); after COMMIT everything the page produced is durable. Every
 * record first passes prepareRecord, so no content of one record can fail the page: it is stored
 * sanitized, or enqueued as unstorable and dead-lettered by the processor on its own. A page of
 * a full read also records what it saw, and the page completing one queues the tombstones of
 * what it no longer lists (sweepFullRead.ts).
 */
import type { Connector, Page, RawRecord, UnifiedRecord } from '../connectors/index.ts';
import { isDefaultConnection, lockConnection, type ConnectionScope } from '../connections/index.ts';
import { storableText, type PoolClient } from '../db/index.ts';
import { enqueueMany } from '../queue/index.ts';
import { storeCursor } from './cursors.ts';
import { prepareRecord, type PreparedRecord } from './prepareRecord.ts';
import { recordKey, storeHashes, unchangedKeys } from './recordHashes.ts';
import { saveRunProgress, type RunProgress } from './runs.ts';
import { completeFullRead, markSeen, startFullRead } from './sweepFullRead.ts';
import { dryRunNormalize, versionOf } from './versionRecords.ts';
import { INGEST_QUEUE, type IngestJobPayload } from './types.ts';

/** Prepare (make storable, bound, hash) a page's records; a record repeated within the page counts once (its last version). */
export function preparePage(source: string, records: readonly RawRecord[]): PreparedRecord[] {
  const byKey = new Map<string, PreparedRecord>();
  for (const r of records) {
    const prepared = prepareRecord(source, r);
    const key = recordKey(prepared.entity, prepared.externalId);
    byKey.delete(key);
    byKey.set(key, prepared);
  }
  return [...byKey.values()];
}

/**
 * What the dry run of the connector's pure normalizer says about records about to be enqueued:
 * how many can never be normalized (they still go to the outbox and reach the DLQ with their
 * error), and which raw statuses the allow-list does not map.
 */
export function inspectRecords(records: ReadonlyArray<{ unstorable: unknown; rows: readonly UnifiedRecord[] | null }>): { invalid: number; unmapped: Record<string, number> } {
  let invalid = 0;
  const unmapped: Record<string, number> = {};
  for (const r of records) {
    if (r.unstorable || !r.rows) {
      invalid++;
      continue;
    }
    // The allow-list maps anything it does not know to UNKNOWN and keeps the raw status, so the
    // normalized rows already say what is unmapped (no second parse through unmappedStatus()).
    for (const u of r.rows) {
      if (u.table === 'payments' && u.row.status === 'UNKNOWN') unmapped[u.row.rawStatus] = (unmapped[u.row.rawStatus] ?? 0) + 1;
    }
  }
  return { invalid, unmapped };
}

/** Outbox dedupe key: an identical record of the connection already waiting in the outbox is not queued twice. */
export function outboxDedupeKey(scope: ConnectionScope, entity: string, externalId: string, hash: string): string {
  return `${scope.connectionId}:${entity}:${externalId}:${hash}`;
}

/** The outbox job of a prepared record. */
export function toJobPayload(scope: ConnectionScope, r: PreparedRecord, runId: string | null): IngestJobPayload {
  return {
    source: scope.source, connectionId: scope.connectionId, entity: r.entity, externalId: r.externalId, payload: r.payload, hash: r.hash, runId,
    ...(r.version !== undefined ? { version: r.version } : {}),
    ...(r.sanitized ? { sanitized: r.sanitized } : {}),
    ...(r.unstorable ? { unstorable: r.unstorable } : {}),
  };
}

/** The connection of a running sync was removed: the run stops (not retried). */
export class ConnectionRemovedError extends Error {
  constructor(connectionId: string) {
    super(`connection ${connectionId} was removed while this run went; nothing more is written for it`);
    this.name = 'ConnectionRemovedError';
  }
}

/** Write one page; returns the run progress after it (apply it only once the transaction committed). */
export async function writePage(
  tx: PoolClient,
  w: { connector: Connector; scope: ConnectionScope; runId: string; streamEntity: string; page: Page; progress: RunProgress; force?: boolean },
): Promise<RunProgress> {
  const { scope } = w;
  const source = w.connector.source;
  // A removed connection's sync ends here rather than write rows its purge has passed.
  if (!isDefaultConnection(scope) && !(await lockConnection(tx, scope.connectionId))) throw new ConnectionRemovedError(scope.connectionId);
  // One dry run of the pure normalizer per record gives its version and target row (dedupe, the
  // job) and what the run report says about it (invalid, unmapped statuses).
  const prepared = preparePage(source, w.page.records).map((r) => {
    const rows = dryRunNormalize(w.connector.normalize, r);
    return { ...r, ...versionOf(r, rows), rows };
  });
  // A repair (`force`) re-enqueues records whose upstream content did not change: the stored row
  // is what differs (edited or lost here), and the upsert's version rule still decides.
  const unchanged = w.force ? new Set<string>() : await unchangedKeys(tx, scope, prepared);
  const fresh = prepared.filter((r) => !unchanged.has(recordKey(r.entity, r.externalId)));
  // Grouped by connection: the processor's claim is fair across connections, so this run's
  // backfill shares each batch with the fresh records of every other connection.
  const { inserted } = await enqueueMany(tx, INGEST_QUEUE, fresh.map((r) => ({ payload: toJobPayload(scope, r, w.runId), dedupeKey: outboxDedupeKey(scope, r.entity, r.externalId, r.hash), group: scope.connectionId })));
  await storeHashes(tx, scope, fresh);
  const fullRead = w.page.fullRead;
  if (fullRead) {
    if (fullRead.start) await startFullRead(tx, scope, w.streamEntity, fullRead.start.version);
    await markSeen(tx, scope, prepared);
    if (fullRead.complete) await completeFullRead(tx, { scope, streamEntity: w.streamEntity, recordEntity: w.streamEntity, runId: w.runId });
  }
  // An upstream cursor is upstream content too; a changed one is rejected next run as stale,
  // which resets and backfills the stream rather than failing every page forever.
  const cursorAfter = w.page.cursorAfter === null ? null : storableText(w.page.cursorAfter);
  if (cursorAfter !== null) await storeCursor(tx, scope, w.streamEntity, cursorAfter);

  const inspected = inspectRecords(fresh);
  const p = w.progress;
  const unmapped = { ...p.unmapped };
  for (const [k, n] of Object.entries(inspected.unmapped)) unmapped[k] = (unmapped[k] ?? 0) + n;
  const next: RunProgress = {
    ...p,
    pagesFetched: p.pagesFetched + 1,
    recordsFetched: p.recordsFetched + w.page.records.length,
    recordsEnqueued: p.recordsEnqueued + inserted,
    // Unchanged, already queued, or repeated within the page: fetched but not queued again.
    recordsDeduped: p.recordsDeduped + (w.page.records.length - inserted),
    recordsInvalid: p.recordsInvalid + inspected.invalid,
    recordsSanitized: p.recordsSanitized + fresh.filter((r) => r.sanitized).length,
    unmapped,
    cursorAfter: cursorAfter !== null ? { ...p.cursorAfter, [w.streamEntity]: cursorAfter } : p.cursorAfter,
  };
  await saveRunProgress(tx, w.runId, next);
  return next;
}
