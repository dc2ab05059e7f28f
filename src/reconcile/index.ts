/**
 * Reconciliation: proving the unified tables equal each upstream, and repairing exactly what
 * differs. `runReconciliation` (CLI, worker), the API routes, the daily scheduler, the worker,
 * and the last results for /readyz, the daily summary and the dashboard.
 */
export { runReconciliation, EXTRA_HANDLING, type ReconcileOptions } from './runReconciliation.ts';
export { recordAcceptedReconciliation, RECONCILE_QUEUE, type ReconcileJobPayload } from './acceptReconciliation.ts';
export { createReconcileWorker, type ReconcileWorkerOptions } from './createReconcileWorker.ts';
export { createReconcileScheduler, type ReconcileScheduler, type ReconcileSchedulerOptions } from './createReconcileScheduler.ts';
export { reconcileRoutes, type ReconcileRoutesOptions } from './reconcileRoutes.ts';
export { reconcileReadinessCheck, reconciliationStatus, reconciliationWarnings } from './reconcileReadinessCheck.ts';
export { getReconciliation, lastReconciliations, pruneReconciliations, type Reconciliation, type ReconciliationStatus } from './reconciliations.ts';
export { totalDifferences, type ReconcileResult } from './types.ts';
