/** Prometheus metrics of the producer (the processor is counted by the queue core's metrics). */
import { counter } from '../metrics.ts';

/** Counters, created once per process. */
export const ingestMetrics = {
  runs: counter('buffalo_ingest_runs_total', 'Sync runs by source and final status.', ['source', 'status']),
  records: counter('buffalo_ingest_records_total', 'Records read by the producer, by source and outcome (enqueued or deduped).', ['source', 'outcome']),
  staleCursors: counter('buffalo_ingest_stale_cursors_total', 'Cursors rejected by the upstream (followed by a backfill).', ['source']),
  webhooks: counter('buffalo_ingest_webhooks_total', 'Stripe webhook deliveries by outcome (accepted, duplicate, rejected).', ['outcome']),
};
