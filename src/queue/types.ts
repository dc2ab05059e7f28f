/** Shared shapes of the queue core. */
export { systemClock, type Clock } from '../resilience/index.ts';

/** A claimed job as a handler sees it. */
export interface Job<P = unknown> {
  id: string;
  queue: string;
  payload: P;
  /** Which attempt this run is, 1 for the first. */
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
}

/** What one claim round did. */
export interface RunResult {
  /** Jobs claimed this round. */
  claimed: number;
  /** Handled successfully and acked. */
  processed: number;
  /** Failed transiently and rescheduled with backoff. */
  failed: number;
  /** Moved to the dead-letter table. */
  dead: number;
  /** Leased jobs whose ack/fail was rejected because the lease had been lost meanwhile. */
  lost: number;
}

/** A background consumer of one queue. */
export interface Worker {
  readonly queue: string;
  /** One claim round (claim, handle, ack); what tests and one-shot CLIs call. */
  runOnce(): Promise<RunResult>;
  /** Start the loop (LISTEN wake-ups + poll fallback); resolves once listening (or given up on it). */
  start(): Promise<void>;
  /** Stop claiming and wait for in-flight jobs to finish. */
  stop(): Promise<void>;
}

/** Exponential backoff bounds (full jitter). */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** A jobs row as the claim statements return it. */
export interface JobRow {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  created_at: Date;
}

/** Map a claimed row to the handler's view; `attempt` is the 1-based number of this run. */
export function toJob<P>(row: JobRow, attempt: number): Job<P> {
  return { id: row.id, queue: row.queue, payload: row.payload as P, attempts: attempt, maxAttempts: row.max_attempts, createdAt: row.created_at };
}
