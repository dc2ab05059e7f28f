-- Up Migration
-- Every piece of ingestion state belongs to one connection (src/connections): cursors, runs,
-- record hashes, raw payloads and the unified rows, whose identity becomes (connection,
-- external id) — two Stripe accounts may both hold a `ch_1`. Rows written before connections
-- existed belong to their source's default connection ('<source>-default'). `source` stays on
-- every row: it names the provider, which the connection id alone does not say to a reader.
ALTER TABLE sync_cursors ADD COLUMN connection_id text;
UPDATE sync_cursors SET connection_id = source || '-default';
ALTER TABLE sync_cursors ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT sync_cursors_pkey, ADD PRIMARY KEY (connection_id, entity);

ALTER TABLE sync_runs ADD COLUMN connection_id text;
UPDATE sync_runs SET connection_id = source || '-default';
ALTER TABLE sync_runs ALTER COLUMN connection_id SET NOT NULL;
CREATE INDEX sync_runs_connection_created ON sync_runs (connection_id, created_at DESC, id);
DROP INDEX sync_runs_active;
CREATE INDEX sync_runs_active ON sync_runs (connection_id) WHERE status IN ('queued', 'running');

ALTER TABLE ingest_record_hashes ADD COLUMN connection_id text;
UPDATE ingest_record_hashes SET connection_id = source || '-default';
ALTER TABLE ingest_record_hashes ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT ingest_record_hashes_pkey, ADD PRIMARY KEY (connection_id, entity, external_id);
DROP INDEX ingest_record_hashes_row;
CREATE INDEX ingest_record_hashes_row ON ingest_record_hashes (connection_id, row_key, source_version) WHERE row_key IS NOT NULL;

ALTER TABLE raw_records ADD COLUMN connection_id text;
UPDATE raw_records SET connection_id = source || '-default';
ALTER TABLE raw_records ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT raw_records_pkey, ADD PRIMARY KEY (connection_id, entity, external_id);

ALTER TABLE payments ADD COLUMN connection_id text;
UPDATE payments SET connection_id = source || '-default';
ALTER TABLE payments ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT payments_source_external_id_key, ADD CONSTRAINT payments_connection_external_id_key UNIQUE (connection_id, external_id);
CREATE INDEX payments_connection_updated_at ON payments (connection_id, updated_at, id);

ALTER TABLE contacts ADD COLUMN connection_id text;
UPDATE contacts SET connection_id = source || '-default';
ALTER TABLE contacts ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT contacts_source_external_id_key, ADD CONSTRAINT contacts_connection_external_id_key UNIQUE (connection_id, external_id);
CREATE INDEX contacts_connection_updated_at ON contacts (connection_id, updated_at, id);

ALTER TABLE calendar_events ADD COLUMN connection_id text;
UPDATE calendar_events SET connection_id = source || '-default';
ALTER TABLE calendar_events ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT calendar_events_source_external_id_key, ADD CONSTRAINT calendar_events_connection_external_id_key UNIQUE (connection_id, external_id);
CREATE INDEX calendar_events_connection_updated_at ON calendar_events (connection_id, updated_at, id);

ALTER TABLE campaigns ADD COLUMN connection_id text;
UPDATE campaigns SET connection_id = source || '-default';
ALTER TABLE campaigns ALTER COLUMN connection_id SET NOT NULL,
  DROP CONSTRAINT campaigns_source_external_id_key, ADD CONSTRAINT campaigns_connection_external_id_key UNIQUE (connection_id, external_id);
CREATE INDEX campaigns_connection_updated_at ON campaigns (connection_id, updated_at, id);

-- Down Migration
ALTER TABLE campaigns DROP CONSTRAINT campaigns_connection_external_id_key, ADD CONSTRAINT campaigns_source_external_id_key UNIQUE (source, external_id), DROP COLUMN connection_id;
ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_connection_external_id_key, ADD CONSTRAINT calendar_events_source_external_id_key UNIQUE (source, external_id), DROP COLUMN connection_id;
ALTER TABLE contacts DROP CONSTRAINT contacts_connection_external_id_key, ADD CONSTRAINT contacts_source_external_id_key UNIQUE (source, external_id), DROP COLUMN connection_id;
ALTER TABLE payments DROP CONSTRAINT payments_connection_external_id_key, ADD CONSTRAINT payments_source_external_id_key UNIQUE (source, external_id), DROP COLUMN connection_id;
ALTER TABLE raw_records DROP CONSTRAINT raw_records_pkey, ADD PRIMARY KEY (source, entity, external_id), DROP COLUMN connection_id;
DROP INDEX ingest_record_hashes_row;
ALTER TABLE ingest_record_hashes DROP CONSTRAINT ingest_record_hashes_pkey, ADD PRIMARY KEY (source, entity, external_id), DROP COLUMN connection_id;
CREATE INDEX ingest_record_hashes_row ON ingest_record_hashes (source, row_key, source_version) WHERE row_key IS NOT NULL;
DROP INDEX sync_runs_active;
CREATE INDEX sync_runs_active ON sync_runs (source) WHERE status IN ('queued', 'running');
ALTER TABLE sync_runs DROP COLUMN connection_id;
ALTER TABLE sync_cursors DROP CONSTRAINT sync_cursors_pkey, ADD PRIMARY KEY (source, entity), DROP COLUMN connection_id;
