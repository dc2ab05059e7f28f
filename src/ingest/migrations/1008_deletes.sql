-- Up Migration
-- Deletes and archives upstream. A row deleted (archived, cancelled, answered 404, or absent
-- from a completed full read) keeps its data with `deleted_at` set; a sync never hard-deletes,
-- and a record that comes back clears it. Revenue excludes deleted payments (the revenue
-- module's migration of the same number), the data endpoints hide them unless asked.
ALTER TABLE payments        ADD COLUMN deleted_at timestamptz;
ALTER TABLE contacts        ADD COLUMN deleted_at timestamptz;
ALTER TABLE calendar_events ADD COLUMN deleted_at timestamptz;
ALTER TABLE campaigns       ADD COLUMN deleted_at timestamptz;

-- When a full read last listed the record (any record the producer enqueued or found unchanged
-- on a page of a full read). A completed full read marks deleted the records of its stream not
-- seen since it started (src/ingest/sweepFullRead.ts). Existing rows: when last enqueued.
ALTER TABLE ingest_record_hashes ADD COLUMN seen_at timestamptz;
UPDATE ingest_record_hashes SET seen_at = updated_at;
ALTER TABLE ingest_record_hashes ALTER COLUMN seen_at SET DEFAULT now(), ALTER COLUMN seen_at SET NOT NULL;

-- A full read in progress per stream: when it started (database time, the clock of seen_at) and
-- the upstream version of its start (the version a record it found gone is deleted at). Set by
-- the page that starts the read, cleared by the page that completes it.
ALTER TABLE sync_cursors ADD COLUMN full_read_started_at timestamptz;
ALTER TABLE sync_cursors ADD COLUMN full_read_version text COLLATE "C";

-- Rows the processor moved from live to deleted, per run (recordsDeleted).
ALTER TABLE sync_run_tallies ADD COLUMN records_deleted bigint NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE sync_run_tallies DROP COLUMN records_deleted;
ALTER TABLE sync_cursors DROP COLUMN full_read_version;
ALTER TABLE sync_cursors DROP COLUMN full_read_started_at;
ALTER TABLE ingest_record_hashes DROP COLUMN seen_at;
ALTER TABLE campaigns       DROP COLUMN deleted_at;
ALTER TABLE calendar_events DROP COLUMN deleted_at;
ALTER TABLE contacts        DROP COLUMN deleted_at;
ALTER TABLE payments        DROP COLUMN deleted_at;
