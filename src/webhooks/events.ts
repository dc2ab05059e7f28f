/** The events Buffalo announces to webhook receivers, and the envelope they travel in. */

/** Every event type a subscription may ask for. */
export const WEBHOOK_EVENT_TYPES = ['sync.completed', 'sync.failed', 'records.changed', 'reconciliation.completed'] as const;
/** One event type. */
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `data` of `sync.completed` / `sync.failed`: the run as it finished. */
export interface SyncEventData {
  runId: string;
  source: string;
  connectionId: string;
  mode: string;
  /** success or partial for sync.completed; failed for sync.failed. */
  status: string;
  /** The run report's counts when it finished (the processor's side may still grow while the outbox drains). */
  counts: Record<string, number>;
  error?: string;
}

/** `data` of `reconciliation.completed`. */
export interface ReconciliationEventData {
  reconciliationId: string;
  source: string;
  connectionId: string;
  repair: boolean;
  counts: { missing: number; extra: number; different: number; pending: number; upstreamRows: number; storedRows: number };
}

/**
 * `data` of `records.changed`: the change-feed cursor range one writing transaction produced
 * for one table and connection (`GET /changes?table=…&connectionId=…&after=fromCursor` reads the
 * rows up to `toCursor`), never the rows themselves. Emitted by the change feed's
 * announceChanges in the transaction that wrote the rows.
 */
export interface RecordsChangedData {
  table: string;
  connectionId: string;
  count: number;
  fromCursor: string;
  toCursor: string;
}

/** The data each event type carries. */
export interface WebhookEventData {
  'sync.completed': SyncEventData;
  'sync.failed': SyncEventData;
  'records.changed': RecordsChangedData;
  'reconciliation.completed': ReconciliationEventData;
}

/** What a producer hands emitWebhookEvent. */
export type WebhookEventInput = {
  [T in WebhookEventType]: { type: T; connectionId?: string | null; data: WebhookEventData[T] };
}[WebhookEventType];

/** The JSON body every delivery sends (receivers de-duplicate on `id`). */
export interface WebhookEnvelope {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  connectionId: string | null;
  data: unknown;
}
