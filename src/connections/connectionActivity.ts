/**
 * What a connection has been doing, as the connections API shows it next to the connection. The
 * connections module defines the shape but cannot compute it: runs and dead letters belong to
 * ingest, which imports this module (the reverse import would be a cycle). The composition root
 * passes a {@link DescribeActivity} built from ingest to the routes.
 */

/** The newest run of a connection (skipped runs left out: they only say another run was busy). */
export interface ConnectionLastRun {
  runId: string;
  status: string;
  mode: string;
  trigger: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  recordsFetched: number;
  recordsUpserted: number;
  recordsFailed: number;
  error: string | null;
}

/** A failed run's error. */
export interface ConnectionRunError {
  runId: string;
  finishedAt: string | null;
  error: string | null;
}

/** A connection's recent sync activity. */
export interface ConnectionActivity {
  lastRun: ConnectionLastRun | null;
  /** The errors of its last failed runs, newest first (as many as asked for). */
  recentErrors: ConnectionRunError[];
  /** Its dead letters not replayed (ingest outbox and sync queue). */
  deadLetters: number;
}

/** Options of {@link DescribeActivity}. */
export interface DescribeActivityOptions {
  /** How many failed runs' errors per connection (default 0). */
  recentErrors?: number;
}

/** The activity of each of these connections (one entry per id; one round of queries for all). */
export type DescribeActivity = (connectionIds: string[], opts?: DescribeActivityOptions) => Promise<Map<string, ConnectionActivity>>;

/** The activity of a connection that has done nothing yet. */
export function noActivity(): ConnectionActivity {
  return { lastRun: null, recentErrors: [], deadLetters: 0 };
}
