/**
 * Reconciliation: proving the unified tables equal each upstream, and repairing exactly what
 * differs. `runReconciliation` (CLI, worker), the API routes, the daily scheduler, the worker,
 * and the last results for /readyz, the daily summary and the dashboard.
 */
export { runReconciliation } from './runReconciliation.ts';

export { createReconcileWorker } from './createReconcileWorker.ts';
export { createReconcileScheduler } from './createReconcileScheduler.ts';
export { reconcileRoutes } from './reconcileRoutes.ts';
export { reconcileReadinessCheck, reconciliationStatus } from './reconcileReadinessCheck.ts';
export { pruneReconciliations, type Reconciliation } from './reconciliations.ts';

