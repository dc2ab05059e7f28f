/**
 * Ingestion (docs/architecture.md#data-flow-ingestion): the producer (runSync), the outbox processor, the sync worker and
 * scheduler, Stripe webhooks, the ingest HTTP routes, readiness and CLI commands.
 */
export { runSync, type RunSyncOptions } from './runSync.ts';
export { tryAcquireSyncLease, LeaseLostError, type SyncLease, type SyncLeaseOptions } from './acquireSyncLease.ts';
export { createIngestProcessor, type IngestProcessorOptions } from './createIngestProcessor.ts';
export { createSyncWorker, type SyncWorkerOptions } from './createSyncWorker.ts';
export { acceptSync, type SyncRequest } from './acceptSync.ts';
export { createScheduler, postSummary, type Scheduler, type SchedulerOptions, type TickResult } from './createScheduler.ts';
export { buildDailySummary, type DailySummary } from './buildDailySummary.ts';
export { ingestRoutes, type IngestRoutesOptions } from './ingestRoutes.ts';
export { stripeWebhookRoutes, type StripeWebhookOptions } from './stripeWebhookRoutes.ts';
export { ingestReadinessCheck } from './ingestReadinessCheck.ts';
export { renormalize, type RenormalizeOptions, type RenormalizeSummary } from './renormalize.ts';
export { connectorOf } from './connectorOf.ts';
export { getRun, listRuns, lastSuccessAt, lastSyncs, newRunProgress, insertRun, finishRun, markRunFailed, type LastSync, type RunProgress } from './runs.ts';
export { connectionActivity } from './connectionActivity.ts';
export { summarizeConnections, type ConnectionSummaryItem, type ConnectionsSummary } from './summarizeConnections.ts';
export { parseSyncTarget, type SyncTargetInput } from './parseSyncTarget.ts';
export { runTargetedSync, targetRefusal, targetLabel } from './runTargetedSync.ts';
export { writePage, preparePage } from './writePage.ts';
export { dryRunNormalize, versionOf } from './versionRecords.ts';
export { fireOnce } from './fireOnce.ts';
export { runPeriodically, type PeriodicTask } from './periodicTask.ts';
export { pruneSchedulerTicks, pruneSyncRuns, pruneWebhookEvents } from './pruneIngestHistory.ts';
export { schedulableConnections } from './schedulableConnections.ts';
export { refuseUnavailableSource } from './refuseUnavailableSource.ts';
export { hashContent } from './hashContent.ts';
export { DATA_TABLES, dataColumns, toDataRow, type DataTable } from './readDataPage.ts';
export { UNIFIED_COLUMNS, type UnifiedColumn } from './upsertUnified.ts';
export { INGEST_QUEUE, SYNC_QUEUE, type IngestDeps, type IngestJobPayload, type RunReport, type RunStatus, type SyncProgress } from './types.ts';
export { purgeConnectionData, type PurgedCounts } from './purgeConnectionData.ts';
export { connectionOfPayload, connectionPayloadMatches } from './deadLetterConnection.ts';
