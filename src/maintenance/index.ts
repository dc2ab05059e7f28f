/** Maintenance: the hourly loop that prunes every growing table to its retention. */
export { createMaintenance, type Maintenance, type PruneCounts } from './createMaintenance.ts';
export { retentionTasks, type RetentionTask } from './retentionTasks.ts';
