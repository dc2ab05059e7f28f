-- Up Migration
-- A reconciliation compares one connection (an account of a source) with its upstream;
-- reconciliations made before connections existed were of the source's default connection.
ALTER TABLE reconciliations ADD COLUMN connection_id text;
UPDATE reconciliations SET connection_id = source || '-default';
ALTER TABLE reconciliations ALTER COLUMN connection_id SET NOT NULL;
CREATE INDEX reconciliations_connection_created ON reconciliations (connection_id, created_at DESC);

-- Down Migration
DROP INDEX reconciliations_connection_created;
ALTER TABLE reconciliations DROP COLUMN connection_id;
