/**
 * The contract between connectors (one folder per vendor under src/connectors/) and the
 * ingestion pipeline (src/ingest/). A connector knows one upstream: how to page through it from
 * a cursor, and how to turn its raw records into unified rows (pure). The pipeline knows the
 * outbox, cursors, runs, locks and the unified tables.
 */
import type { CallStats } from '../resilience/index.ts';
import type { SourceName } from '../config.ts';

/** How a run reads the upstream. */
export type SyncMode = 'full' | 'incremental';

/** One raw upstream record, exactly as fetched, bound for the outbox. */
export interface RawRecord {
  /** Entity of the record as stored in the outbox (e.g. 'charge', 'refund', 'deal', 'contact', 'event', 'campaign'). */
  entity: string;
  /** Upstream id; with source and entity it identifies the record. */
  externalId: string;
  /** The raw payload (JSON). Its content hash decides dedupe. */
  payload: unknown;
  /**
   * The upstream version of this state (see ./versions.ts), when the connector knows one the
   * payload does not carry — e.g. the time a list read was sent. Absent: the pipeline takes the
   * version of the rows the record normalizes to.
   */
  version?: string | null;
}

/** One page of a sync. The pipeline writes `records` and stores `cursorAfter` in ONE transaction. */
export interface Page {
  records: RawRecord[];
  /**
   * Opaque cursor to resume from after this page is committed (null: nothing to store yet,
   * e.g. Google's nextSyncToken exists only on the last page).
   */
  cursorAfter: string | null;
  /**
   * Set on every page of a full read: a listing of everything the stream's `entity` holds
   * upstream (deleted objects the upstream still lists included). When the read completes, the
   * pipeline marks deleted the records of that entity it has not seen since the read started
   * (docs/architecture.md, "Deletes"). A read that never completes deletes nothing.
   */
  fullRead?: FullReadMark;
}

/** Where a page stands in a full read (see {@link Page.fullRead}). */
export interface FullReadMark {
  /**
   * This page starts a fresh full read (not a resumed one). `version`: the upstream version as
   * of the start (./versions.ts), the version a record found gone is deleted at, so that no
   * older state still in flight can bring it back.
   */
  start?: { version: string | null };
  /** The read is complete with this page: nothing of the entity remains unlisted. */
  complete?: boolean;
}

/** Raised when the upstream rejects the stored cursor (Google 410, bad HubSpot `after`, expired Stripe event). */
export class StaleCursorError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'StaleCursorError';
  }
}

/**
 * A deterministic normalize failure that is not a schema error (e.g. an entity the connector
 * does not know). `permanent: true` makes the queue dead-letter it at once, like a ZodError.
 */
export class NormalizeError extends Error {
  /** Duck-typed by the queue's isPermanentError. */
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'NormalizeError';
  }
}

/** What a connector's page iterator gets from the pipeline. */
export interface PageContext {
  /** Accumulates attempts, retries by cause, rate-limit waits, token refreshes for the run report. */
  stats: CallStats;
  signal: AbortSignal;
  /** Progress callback (pages/records so far) for the CLI. */
  onProgress?: (event: { entity: string; page: number; records: number }) => void;
  /**
   * Add a sentence to the run report's `notes`: something the connector decided that a reader
   * of the report should know (e.g. it stopped paging at the upstream's total although the
   * upstream claimed more). A repeated note is kept once.
   */
  note?: (text: string) => void;
}

/**
 * A stream of one entity of one source. `cursor` is what the pipeline stored after the last
 * committed page (null on first run or full mode).
 *
 * Cursor semantics every connector follows (formats: the `cursor.ts` of each vendor folder):
 * - a cursor is opaque JSON owned by the connector; one this version cannot read → StaleCursorError;
 * - null in 'incremental' mode (first run) runs the full backfill, and so does 'full' mode;
 * - a cursor stored in the middle of a backfill resumes that backfill in either mode, so a
 *   crash re-fetches at most one page;
 * - a backfill ends by storing the incremental position as of its START, so the next incremental
 *   run replays changes made while it ran (content-hash dedupe makes the overlap free).
 */
export interface EntityStream {
  /**
   * Stream name: the key of its stored cursor, sync lease and run (e.g. 'charge', 'deal').
   * Usually also the entity of its records.
   */
  entity: string;
  /** Every record entity the stream may produce, when more than `entity` (e.g. Stripe: charge, refund, event). */
  entities?: string[];
  /** Page through the upstream from `cursor`. Throws StaleCursorError if the cursor is rejected. */
  pages(cursor: string | null, mode: SyncMode, ctx: PageContext): AsyncIterable<Page>;
}

/**
 * What a targeted run reads instead of the streams: one record by its upstream id, or the records
 * changed (or, where the upstream only filters by another date, dated) within a UTC day range.
 */
export type SyncTarget = { kind: 'id'; id: string } | { kind: 'range'; since: string; until: string | null };

/**
 * A connector's targeted reads. Its pages carry `cursorAfter: null` always: a targeted run
 * never moves a stream's cursor.
 */
export interface TargetedReader {
  /** Why this upstream cannot serve `target` (a sentence for a 400 / CLI error), or null when it can. */
  refusal(target: SyncTarget): string | null;
  /** Pages of exactly the records `target` names. */
  pages(target: SyncTarget, ctx: PageContext): AsyncIterable<Page>;
}

/**
 * Whether a record is deleted upstream (HubSpot archived, Google cancelled). A row with
 * `deleted: true` keeps its data with deleted_at set (`deletedAt`, or the time it was stored when
 * the upstream says no time); a live row (false or absent) clears it: a record that comes back
 * is restored.
 */
export interface DeletionState {
  deleted?: boolean;
  /** When the upstream deleted it (ISO), when it says. */
  deletedAt?: string | null;
}

/** A unified table whose rows can be marked deleted. */
export type DeletableTable = 'payments' | 'contacts' | 'calendar_events' | 'campaigns';

/**
 * "This row is gone upstream", known by its key only (a Stripe object answered 404, a record
 * a completed full read no longer lists): marks the stored row deleted if `sourceVersion` may
 * replace its version; nothing when no row is stored.
 */
export interface DeletionRow {
  table: DeletableTable;
  source: SourceName;
  externalId: string;
  deletedAt: string | null;
  sourceVersion: string | null;
}

/** A unified row a normalizer produces. The pipeline upserts it on (source, external_id). */
export type UnifiedRecord =
  | { table: 'deletions'; row: DeletionRow }
  | { table: 'payments'; row: PaymentRow }
  | { table: 'contacts'; row: ContactRow }
  | { table: 'calendar_events'; row: CalendarEventRow }
  | { table: 'campaigns'; row: CampaignRow }
  /**
   * A partial update of a campaign's last successful sync call (ad platform): set
   * campaigns.synced_at of an existing campaign. (A failed sync call arrives as a
   * 'campaign_sync_failed' raw record, kept in the outbox as its trace, normalizing to nothing.)
   */
  | { table: 'campaign_syncs'; row: { source: SourceName; externalId: string; syncedAt: string } };

/** Allow-listed payment statuses (src/revenue/README.md: only COLLECTED ones count as revenue). */
export type PaymentStatus = 'COLLECTED' | 'PENDING' | 'FAILED' | 'REFUNDED' | 'UNKNOWN';

/** Unified payment (see src/ingest/migrations/0200_payments.sql). */
export interface PaymentRow extends DeletionState {
  source: SourceName;
  externalId: string;
  kind: 'charge' | 'refund';
  status: PaymentStatus;
  rawStatus: string;
  /** Integer minor units as a decimal string (exact; may exceed 2^53). */
  amountCents: string;
  refundedCents: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** ISO timestamp. */
  occurredAt: string;
  customerRef: string | null;
  parentExternalId: string | null;
  sourceUpdatedAt: string | null;
  /** Upstream version ordering states of this row (./versions.ts); null/absent: unknown. */
  sourceVersion?: string | null;
}

/** Unified contact. */
export interface ContactRow extends DeletionState {
  source: SourceName;
  externalId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  company: string | null;
  lifecycleStage: string | null;
  sourceUpdatedAt: string | null;
  /** Upstream version ordering states of this row (./versions.ts); null/absent: unknown. */
  sourceVersion?: string | null;
}

/**
 * Unified calendar event; `cancelled` events keep their row with status cancelled. Google sends a
 * deleted event as just `{id, status: "cancelled"}`: its row has null summary/start/end/allDay,
 * which means "keep the stored values" (the upsert coalesces them for cancelled rows). A live
 * event always has non-null values (an untitled one has summary '').
 */
export interface CalendarEventRow extends DeletionState {
  source: SourceName;
  externalId: string;
  calendarId: string;
  /** confirmed | tentative | cancelled */
  status: string;
  /** Null for a cancellation that carries only the id: keep the stored value. */
  summary: string | null;
  startsAt: string | null;
  endsAt: string | null;
  allDay: boolean | null;
  sourceUpdatedAt: string | null;
  /** Upstream version ordering states of this row (./versions.ts); null/absent: unknown. */
  sourceVersion?: string | null;
}

/** Unified ad campaign (seeds 002/004). */
export interface CampaignRow extends DeletionState {
  source: SourceName;
  externalId: string;
  name: string;
  status: string;
  budgetCents: string;
  impressions: number;
  clicks: number;
  conversions: number;
  createdAt: string;
  /** Upstream version ordering states of this row (./versions.ts); null/absent: unknown. */
  sourceVersion?: string | null;
}

/**
 * The pure half of a connector: raw records → unified rows. It needs no credentials, so stored
 * raw payloads can be re-normalized by a process that cannot (or must not) reach the upstream.
 * `normalize` throws a ZodError (or any error marked permanent) for a record that can never be
 * normalized — the pipeline dead-letters it at once with the exact error and raw payload.
 */
export interface Normalizer {
  source: SourceName;
  normalize(entity: string, payload: unknown): UnifiedRecord[];
  /**
   * The upstream record whose latest state a raw record carries, kept as that record's raw
   * payload (raw_records). Absent: every record is its own. A Stripe event is a state of its
   * `data.object` (a charge or refund under its own entity and id); null: a state of nothing a
   * row holds (e.g. an event type no table keeps).
   */
  ownRecord?(record: RawRecord): RawRecord | null;
}

/** A connector: its streams, and the pure normalizer of its raw records. */
export interface Connector extends Normalizer {
  streams: EntityStream[];
  /** Statuses seen that the allow-list does not map (reported in the run). */
  unmappedStatus?(entity: string, payload: unknown): string | null;
  /** Reads of one record or one date range (`buffalo sync --id/--since`); absent: not supported. */
  targeted?: TargetedReader;
}
