-- Up Migration
-- The queue core (the ingest processor, the orders outbox and its relay): one jobs table for every outbox.
-- A job row exists only while work is outstanding: acking DELETEs it. Deleting instead of
-- marking done keeps the table and its claim index as small as the backlog itself (no
-- cleanup job, no index bloat from millions of finished rows); what a job did is recorded
-- by its handler's own writes, failures live in dead_letters, throughput in metrics.
CREATE TABLE jobs (
  id            bigserial   PRIMARY KEY,
  queue         text        NOT NULL,
  payload       jsonb       NOT NULL,
  -- Unique per queue among outstanding jobs (see jobs_dedupe); NULL = no dedupe.
  dedupe_key    text,
  -- pending: waiting for run_at. running: leased (leased worker) until locked_until.
  -- Batch workers never write 'running': their claim is a row lock that dies with the transaction.
  status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running')),
  -- Attempts made so far (failed ones; leased claims count when they start).
  attempts      integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts  integer     NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at        timestamptz NOT NULL DEFAULT now(),
  locked_until  timestamptz,
  lease_token   uuid,
  last_error    text,
  -- The dead letter this job re-runs, when it came from a replay.
  replay_of     bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'running') = (lease_token IS NOT NULL AND locked_until IS NOT NULL))
);
-- The claim path: ready jobs of one queue in run_at order, only pending rows indexed.
CREATE INDEX jobs_pending ON jobs (queue, run_at, id) WHERE status = 'pending';
-- Expired leases are reclaimed through this one (few rows: only leased jobs in flight).
CREATE INDEX jobs_running ON jobs (queue, locked_until, id) WHERE status = 'running';
-- Dedupe among outstanding jobs: done jobs are deleted and dead ones moved out, so every row
-- here is pending or running and the partial index is exactly "not yet done".
CREATE UNIQUE INDEX jobs_dedupe ON jobs (queue, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Jobs that failed for good: a permanent error at once, a transient one after max_attempts,
-- or a lease that expired on the last attempt. The raw payload and the exact error are kept
-- so the row can be inspected and replayed as a fresh job.
CREATE TABLE dead_letters (
  id              bigserial   PRIMARY KEY,
  queue           text        NOT NULL,
  job_id          bigint      NOT NULL,
  payload         jsonb       NOT NULL,
  dedupe_key      text,
  -- permanent: classified deterministic; exhausted: transient until max_attempts; lease_expired.
  reason          text        NOT NULL CHECK (reason IN ('permanent', 'exhausted', 'lease_expired')),
  error_name      text        NOT NULL,
  error_message   text        NOT NULL,
  -- First lines of the stack: enough to find the throw site without storing megabytes.
  error_stack     text,
  -- Structured detail when the error has some (zod issues, PostgreSQL SQLSTATE).
  error_details   jsonb,
  attempts        integer     NOT NULL,
  max_attempts    integer     NOT NULL,
  replay_of       bigint,
  job_created_at  timestamptz NOT NULL,
  failed_at       timestamptz NOT NULL DEFAULT now(),
  replayed_at     timestamptz
);
CREATE INDEX dead_letters_queue_id ON dead_letters (queue, id);
CREATE INDEX dead_letters_unreplayed ON dead_letters (queue, id) WHERE replayed_at IS NULL;

-- Down Migration
DROP TABLE dead_letters;
DROP TABLE jobs;
