/**
 * The queue core: the one place that claims, retries and dead-letters outbox jobs (ingest
 * outbox → normalizer, order events → relay/consumers). Other modules import only this file.
 */
export { discardJobs } from './discardJobs.ts';
export { enqueue, enqueueMany, enqueueStatement, jobPayloadSql } from './enqueue.ts';
export { announceJobs } from './announceJobs.ts';
export { PermanentError, isPermanentError, describeError } from './classify.ts';
export { backoffMs } from './backoff.ts';
export { createBatchWorker } from './createBatchWorker.ts';
export { createLeasedWorker, WorkerStoppingError } from './createLeasedWorker.ts';
export { countOpenDeadLetters, listDeadLetters, pruneReplayedDeadLetters, replayDeadLetter, replayAll, deadLetterPayloads, type DeadLetter, type DeadPayload } from './deadLetters.ts';

export { queueStats, registerQueueMetrics, type QueueStats } from './stats.ts';
export { LISTENER_APPLICATION } from './listen.ts';
export { systemClock, type Clock, type Job, type Worker, type RunResult, type BackoffOptions } from './types.ts';
