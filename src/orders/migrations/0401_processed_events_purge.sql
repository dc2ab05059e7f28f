-- Up Migration
-- processed_events is pruned by age (purgeProcessedEvents); this index serves that delete.
CREATE INDEX processed_events_processed_at ON processed_events (processed_at);

-- Down Migration
DROP INDEX processed_events_processed_at;
