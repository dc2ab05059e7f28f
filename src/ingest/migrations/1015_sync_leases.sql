-- Up Migration
-- sync_leases: which run may write which (connection, entity) stream (src/ingest/acquireSyncLease.ts).
-- A run takes every row it needs at start (only free or expired ones), fences each page
-- transaction by extending them WHERE holder = its token, heartbeats while it waits, and deletes
-- them at the end; a crashed run's rows expire. Replaces session advisory locks, which pinned a
-- database connection for the whole run.
CREATE TABLE sync_leases (
  connection_id  text        NOT NULL,
  entity         text        NOT NULL,
  holder         uuid        NOT NULL,
  expires_at     timestamptz NOT NULL,
  acquired_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, entity)
);
CREATE INDEX sync_leases_holder ON sync_leases (holder);

-- Down Migration
DROP TABLE sync_leases;
