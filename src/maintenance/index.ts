/** Maintenance: the hourly loop that prunes every growing table to its retention. */
export { createMaintenance } from './createMaintenance.ts';
export { retentionTasks } from './retentionTasks.ts';
