/** Shared shapes of the ingestion pipeline. */
import type { Config, SourceName } from '../config.ts';
import type { Connector, DeletableTable, SyncMode, SyncTarget } from '../connectors/index.ts';
import type { Pool, PoolClient, StorableReport } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { ConnectionConnectors } from '../connections/index.ts';
import type { Unstorable } from './prepareRecord.ts';

/**
 * What every ingest entry point needs. `connectors` holds the default connections' connectors
 * (the environment's credentials) of the enabled sources; `connections` builds the others.
 */
export interface IngestDeps {
  pool: Pool;
  config: Config;
  logger: Logger;
  connectors: Partial<Record<SourceName, Connector>>;
  connections?: ConnectionConnectors;
  /**
   * Called in every transaction that wrote unified rows, before it commits: the composition root
   * passes the change feed's `records.changed` announcement (the feed reads ingest's tables, so
   * ingest cannot import it).
   */
  announceChanges?: (tx: PoolClient) => Promise<void>;
}

/** The queue of raw records (the ingest outbox). */
export const INGEST_QUEUE = 'ingest';
/** The queue of accepted sync runs (trigger endpoint, scheduler), run by worker processes. */
export const SYNC_QUEUE = 'ingest-sync';

/** Payload of one outbox job: one raw record to normalize and upsert. */
export interface IngestJobPayload {
  source: SourceName;
  /** The connection that fetched it; absent on jobs that predate connections (the default one). */
  connectionId?: string;
  entity: string;
  externalId: string;
  payload: unknown;
  /** sha256 of the canonical JSON of `payload`. */
  hash: string;
  /**
   * The upstream version of this state (connectors' versions.ts), stamped on every row it
   * normalizes to; absent or null on jobs that predate versions (the rows' own apply).
   */
  version?: string | null;
  /** The sync run that fetched it (null for webhooks). */
  runId: string | null;
  /** Characters replaced to make the record storable (NUL, unpaired surrogates → U+FFFD), and where. */
  sanitized?: StorableReport;
  /** Set when the record is beyond the stored bounds: the processor dead-letters it with `reason` (payload is null). */
  unstorable?: Unstorable;
  /**
   * Set on a tombstone: the record is gone upstream (a completed full read no longer listed it,
   * see sweepFullRead.ts); the processor marks its row in `table` deleted at `version` (payload is null).
   */
  gone?: { table: DeletableTable; deletedAt: string | null };
}

/** Payload of a sync job. */
export interface SyncJobPayload {
  runId: string;
  source: SourceName;
  /** Absent on jobs that predate connections: the source's default connection. */
  connectionId?: string;
  mode: SyncMode;
  /** A targeted run (one record or a date range) instead of the streams. */
  target?: SyncTarget;
}

/** Status of a run. 'queued': accepted, not started yet. */
export type RunStatus = 'queued' | 'running' | 'success' | 'partial' | 'failed' | 'skipped';

/** A run's report as the API and CLI show it. */
export interface RunReport {
  runId: string;
  source: SourceName;
  connectionId: string;
  entity: string;
  mode: SyncMode;
  status: RunStatus;
  trigger: string;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  cursorBefore: Record<string, string | null>;
  cursorAfter: Record<string, string | null>;
  /** Pages fetched and committed, each with its records and cursor. */
  pagesFetched: number;
  /** Records the upstream returned. */
  recordsFetched: number;
  /** New or changed records queued for the processor. */
  recordsEnqueued: number;
  /** Records not queued as duplicates: unchanged since last enqueued (same content hash), already waiting in the outbox, or repeated within a page. */
  recordsDeduped: number;
  /** Rows written by the processor so far (grows while the outbox drains). */
  recordsUpserted: number;
  /** Stored rows this run's records moved from live to deleted (archived, cancelled, answered 404, or gone from a completed full read). */
  recordsDeleted: number;
  /** Records of this run dead-lettered and not replayed. */
  recordsFailed: number;
  /** Records whose normalization failed when fetched, or beyond the stored bounds (they reach the DLQ through the outbox). */
  recordsInvalid: number;
  /** Records enqueued with characters PostgreSQL cannot store replaced by U+FFFD (each job says where). */
  recordsSanitized: number;
  retriesByCause: Record<string, number>;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  tokenRefreshes: number;
  unmappedStatuses: Record<string, number>;
  /** The upstream rejected a stored cursor (e.g. Google's 410 GONE for an expired sync token). */
  staleCursorDetected: boolean;
  /** The run fell back to a full backfill of a stream because its stored cursor was rejected. */
  fullBackfillTriggered: boolean;
  /** What the connectors said about the run (e.g. records an upstream served beyond its own total, left out). */
  notes: string[];
  error: string | null;
  createdAt: string;
}

/** A live progress event of a sync (CLI display). */
export interface SyncProgress {
  source: SourceName;
  connectionId: string;
  entity: string;
  /** 'page': a page committed; 'stale_cursor': cursor rejected, backfilling; 'fetch': the connector reported progress. */
  kind: 'page' | 'stale_cursor' | 'fetch';
  pagesFetched: number;
  recordsFetched: number;
  recordsEnqueued: number;
  recordsDeduped: number;
  retries: number;
  rateLimitWaits: number;
}
