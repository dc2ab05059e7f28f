-- Up Migration
-- Producer state: cursors, runs and their reports, content hashes for dedupe,
-- webhook event ids, and insert-once scheduler ticks.

-- The cursor to resume each (source, entity) stream from; written in the same transaction as
-- the page it follows, so a crash re-fetches at most one page.
CREATE TABLE sync_cursors (
  source      text        NOT NULL,
  entity      text        NOT NULL,
  cursor      text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, entity)
);

-- One row per sync run and its report. 'queued': accepted (trigger/scheduler), not started yet.
CREATE TABLE sync_runs (
  id                     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  source                 text        NOT NULL,
  -- One entity stream, or '*' for every stream of the source.
  entity                 text        NOT NULL DEFAULT '*',
  mode                   text        NOT NULL CHECK (mode IN ('full', 'incremental')),
  status                 text        NOT NULL CHECK (status IN ('queued', 'running', 'success', 'partial', 'failed', 'skipped')),
  -- Who asked: api, scheduler, cli.
  trigger                text        NOT NULL DEFAULT 'cli',
  reason                 text,
  started_at             timestamptz,
  finished_at            timestamptz,
  -- Cursor per entity before and after the run, e.g. {"charge": "ch_123"}.
  cursor_before          jsonb       NOT NULL DEFAULT '{}',
  cursor_after           jsonb       NOT NULL DEFAULT '{}',
  pages                  integer     NOT NULL DEFAULT 0,
  records_fetched        integer     NOT NULL DEFAULT 0,
  records_enqueued       integer     NOT NULL DEFAULT 0,
  records_deduped        integer     NOT NULL DEFAULT 0,
  -- Records whose normalization failed when fetched (they still go to the outbox → DLQ).
  records_invalid        integer     NOT NULL DEFAULT 0,
  retries_by_cause       jsonb       NOT NULL DEFAULT '{}',
  rate_limit_waits       integer     NOT NULL DEFAULT 0,
  rate_limit_wait_ms     bigint      NOT NULL DEFAULT 0,
  token_refreshes        integer     NOT NULL DEFAULT 0,
  -- Raw status → how many records carried it, e.g. {"requires_capture": 3}.
  unmapped_statuses      jsonb       NOT NULL DEFAULT '{}',
  stale_cursor_detected  boolean     NOT NULL DEFAULT false,
  backfill_performed     boolean     NOT NULL DEFAULT false,
  error                  text,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_runs_created ON sync_runs (created_at DESC, id);
CREATE INDEX sync_runs_source_created ON sync_runs (source, created_at DESC, id);
CREATE INDEX sync_runs_active ON sync_runs (source) WHERE status IN ('queued', 'running');

-- Records upserted by the processor per run. Each processor connection adds to its own slot
-- (backend pid mod 64), so concurrent processors never queue behind one hot counter row.
CREATE TABLE sync_run_tallies (
  run_id     uuid    NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
  slot       integer NOT NULL,
  upserted   bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, slot)
);

-- Last enqueued content hash of every record: an unchanged record is not enqueued again.
CREATE TABLE ingest_record_hashes (
  source        text        NOT NULL,
  entity        text        NOT NULL,
  external_id   text        NOT NULL,
  content_hash  text        NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, entity, external_id)
);

-- Stripe webhook event ids already accepted (Stripe delivers at least once).
CREATE TABLE webhook_events (
  event_id     text        PRIMARY KEY,
  source       text        NOT NULL DEFAULT 'stripe',
  event_type   text,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- Scheduled work fired at most once per (name, slot) across any number of schedulers.
CREATE TABLE scheduler_ticks (
  name       text        NOT NULL,
  slot       text        NOT NULL,
  fired_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, slot)
);

-- Down Migration
DROP TABLE scheduler_ticks;
DROP TABLE webhook_events;
DROP TABLE ingest_record_hashes;
DROP TABLE sync_run_tallies;
DROP TABLE sync_runs;
DROP TABLE sync_cursors;
