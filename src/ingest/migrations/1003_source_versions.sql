-- Up Migration
-- Upstream versions (src/connectors/versions.ts): text compared byte-wise (COLLATE "C") that
-- orders the states of one row, so no upsert path (backfill, incremental, webhook, retry,
-- concurrent processors) replaces a newer state with an older one. Null: unknown, which never
-- replaces a known version.
ALTER TABLE payments        ADD COLUMN source_version text COLLATE "C";
ALTER TABLE contacts        ADD COLUMN source_version text COLLATE "C";
ALTER TABLE calendar_events ADD COLUMN source_version text COLLATE "C";
ALTER TABLE campaigns       ADD COLUMN source_version text COLLATE "C";

-- Rows stored before: their upstream modification time is their version (epoch ms, 16 digits).
UPDATE payments        SET source_version = lpad((extract(epoch FROM source_updated_at) * 1000)::bigint::text, 16, '0') WHERE source_updated_at IS NOT NULL;
UPDATE contacts        SET source_version = lpad((extract(epoch FROM source_updated_at) * 1000)::bigint::text, 16, '0') WHERE source_updated_at IS NOT NULL;
UPDATE calendar_events SET source_version = lpad((extract(epoch FROM source_updated_at) * 1000)::bigint::text, 16, '0') WHERE source_updated_at IS NOT NULL;

-- The producer's dedupe remembers the version of the content it enqueued, and the unified row
-- the record writes ('payments:ch_…'), so that content seen before is skipped only when nothing
-- newer from another record of the same row (a Stripe event vs a listed charge) came since.
ALTER TABLE ingest_record_hashes ADD COLUMN source_version text COLLATE "C";
ALTER TABLE ingest_record_hashes ADD COLUMN row_key text;
CREATE INDEX ingest_record_hashes_row ON ingest_record_hashes (source, row_key, source_version) WHERE row_key IS NOT NULL;

-- Down Migration
DROP INDEX ingest_record_hashes_row;
ALTER TABLE ingest_record_hashes DROP COLUMN row_key;
ALTER TABLE ingest_record_hashes DROP COLUMN source_version;
ALTER TABLE campaigns       DROP COLUMN source_version;
ALTER TABLE calendar_events DROP COLUMN source_version;
ALTER TABLE contacts        DROP COLUMN source_version;
ALTER TABLE payments        DROP COLUMN source_version;
