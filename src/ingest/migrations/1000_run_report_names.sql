-- Up Migration
-- Run report columns carry the names the API publishes (pagesFetched → pages_fetched,
-- recordsUpserted → records_upserted, fullBackfillTriggered → full_backfill_triggered), so one
-- name is used from the table to the JSON. A rename keeps every stored report.
ALTER TABLE sync_runs RENAME COLUMN pages TO pages_fetched;
ALTER TABLE sync_runs RENAME COLUMN backfill_performed TO full_backfill_triggered;
ALTER TABLE sync_run_tallies RENAME COLUMN upserted TO records_upserted;

-- Down Migration
ALTER TABLE sync_run_tallies RENAME COLUMN records_upserted TO upserted;
ALTER TABLE sync_runs RENAME COLUMN full_backfill_triggered TO backfill_performed;
ALTER TABLE sync_runs RENAME COLUMN pages_fetched TO pages;
