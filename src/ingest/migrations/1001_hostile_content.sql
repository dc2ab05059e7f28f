-- Up Migration
-- What was changed to make upstream content storable stays visible to an operator: per run,
-- how many records were enqueued with characters PostgreSQL cannot store (NUL, unpaired
-- surrogates) replaced by U+FFFD; per webhook event, which replacements were made and where.
ALTER TABLE sync_runs ADD COLUMN records_sanitized integer NOT NULL DEFAULT 0;
ALTER TABLE webhook_events ADD COLUMN sanitized jsonb;

-- Down Migration
ALTER TABLE webhook_events DROP COLUMN sanitized;
ALTER TABLE sync_runs DROP COLUMN records_sanitized;
