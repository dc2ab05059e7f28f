/**
 * The queue core: the one place that claims, retries and dead-letters outbox jobs (ingest
 * outbox → normalizer, order events → relay/consumers). Other modules import only this file.
 */
export { discardJobs } from './discardJobs.ts';
export { enqueue, enqueueMany, enqueueStatement, jobPayloadSql, NOTIFY_CHANNEL, type EnqueueOptions, type EnqueueItem } from './enqueue.ts';
export { announceJobs } from './announceJobs.ts';
export { PermanentError, isPermanentError, describeError, type ErrorRecord } from './classify.ts';
export { backoffMs, DEFAULT_BACKOFF } from './backoff.ts';
export { createBatchWorker, type BatchWorkerOptions, type BatchOutcome } from './createBatchWorker.ts';
export { createLeasedWorker, WorkerStoppingError, type LeasedWorkerOptions, type LeaseContext } from './createLeasedWorker.ts';
export { countOpenDeadLetters, listDeadLetters, pruneReplayedDeadLetters, getDeadLetter, replayDeadLetter, replayAll, deadLetterPayloads, type DeadLetter, type DeadPayload, type ListDeadLettersOptions, type ReplayResult } from './deadLetters.ts';
export type { DeadReason } from './fail.ts';
export { queueStats, registerQueueMetrics, type QueueStats } from './stats.ts';
export { LISTENER_APPLICATION } from './listen.ts';
export { systemClock, type Clock, type Job, type Worker, type RunResult, type BackoffOptions } from './types.ts';
