/**
 * Ingestion (docs/architecture.md#data-flow-ingestion): the producer (runSync), the outbox processor, the sync worker and
 * scheduler, Stripe webhooks, the ingest HTTP routes, readiness and CLI commands.
 */
export { runSync } from './runSync.ts';
export { tryAcquireSyncLease, LeaseLostError } from './acquireSyncLease.ts';
export { createIngestProcessor } from './createIngestProcessor.ts';
export { createSyncWorker } from './createSyncWorker.ts';
export { acceptSync } from './acceptSync.ts';
export { createScheduler } from './createScheduler.ts';
export { buildDailySummary, type DailySummary } from './buildDailySummary.ts';
export { ingestRoutes } from './ingestRoutes.ts';
export { stripeWebhookRoutes } from './stripeWebhookRoutes.ts';
export { ingestReadinessCheck } from './ingestReadinessCheck.ts';
export { renormalize, type RenormalizeSummary } from './renormalize.ts';
export { connectorOf } from './connectorOf.ts';
export { getRun, listRuns, syncActivity, newRunProgress, insertRun, finishRun, markRunFailed, type RunProgress, type SyncActivity } from './runs.ts';
export { connectionActivity } from './connectionActivity.ts';
export { summarizeConnections, type ConnectionsSummary } from './summarizeConnections.ts';
export { parseSyncTarget } from './parseSyncTarget.ts';
export { targetRefusal } from './runTargetedSync.ts';
export { writePage, preparePage } from './writePage.ts';
export { dryRunNormalize, versionOf } from './versionRecords.ts';
export { fireOnce } from './fireOnce.ts';
export { runPeriodically } from './periodicTask.ts';
export { pruneSchedulerTicks, pruneSyncRuns, pruneWebhookEvents } from './pruneIngestHistory.ts';
export { schedulableConnections } from './schedulableConnections.ts';
export { refuseUnavailableSource } from './refuseUnavailableSource.ts';
export { hashContent } from './hashContent.ts';
export { DATA_TABLES, dataColumns, toDataRow, type DataTable } from './readDataPage.ts';
export { UNIFIED_COLUMNS, type UnifiedColumn } from './upsertUnified.ts';
export { INGEST_QUEUE, SYNC_QUEUE, type IngestDeps, type IngestJobPayload, type RunReport, type SyncProgress } from './types.ts';
export { purgeConnectionData } from './purgeConnectionData.ts';
export { connectionOfPayload, connectionPayloadMatches } from './deadLetterConnection.ts';
