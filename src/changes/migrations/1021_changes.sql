-- Up Migration
-- The change feed (GET /changes): one row per change of a unified record, written by the
-- database in the writing transaction, so no writer can forget one. Why positions are
-- (change_pos, id) and why a reader stops below the oldest running transaction: docs/changes.md.

-- Writers wait until the feed is complete: no write can slip between the triggers and the
-- backfill of the existing rows below.
LOCK TABLE payments, contacts, calendar_events, campaigns IN SHARE MODE;

-- A row's feed position: the id of the last transaction that changed it, never lower than the
-- previous one (a transaction that took its id earlier but changes the row later still sorts
-- after). Existing rows start at 0; their backfilled changes carry this migration's id.
ALTER TABLE payments        ADD COLUMN change_pos xid8 NOT NULL DEFAULT '0';
ALTER TABLE contacts        ADD COLUMN change_pos xid8 NOT NULL DEFAULT '0';
ALTER TABLE calendar_events ADD COLUMN change_pos xid8 NOT NULL DEFAULT '0';
ALTER TABLE campaigns       ADD COLUMN change_pos xid8 NOT NULL DEFAULT '0';
ALTER TABLE payments        ALTER COLUMN change_pos SET DEFAULT pg_current_xact_id();
ALTER TABLE contacts        ALTER COLUMN change_pos SET DEFAULT pg_current_xact_id();
ALTER TABLE calendar_events ALTER COLUMN change_pos SET DEFAULT pg_current_xact_id();
ALTER TABLE campaigns       ALTER COLUMN change_pos SET DEFAULT pg_current_xact_id();

CREATE TABLE changes (
  -- Drawn when the change row is written, i.e. after the writer holds the record's row lock.
  id             bigint      GENERATED ALWAYS AS IDENTITY,
  pos            xid8        NOT NULL,
  -- The writing transaction (changeRangesOfTransaction reads its own rows by it).
  xact           xid8        NOT NULL DEFAULT pg_current_xact_id(),
  table_name     text        NOT NULL CHECK (table_name IN ('payments', 'contacts', 'calendar_events', 'campaigns')),
  action         text        NOT NULL CHECK (action IN ('ADDED', 'UPDATED', 'DELETED')),
  source         text        NOT NULL,
  connection_id  text        NOT NULL,
  record_id      bigint      NOT NULL,
  -- The row as it was at this version (to_jsonb of the whole row: readers map it with the data
  -- endpoints' column list, and stripping keys here would cost every write); a purge leaves
  -- only the identity fields.
  record         jsonb       NOT NULL,
  changed_at     timestamptz NOT NULL DEFAULT statement_timestamp(),
  -- The only B-tree: every page is a range scan of one table's positions.
  PRIMARY KEY (table_name, pos, id)
);
-- Retention looks up old rows by time; BRIN costs next to nothing per insert on an append-only table.
CREATE INDEX changes_changed_at ON changes USING brin (changed_at);

-- The highest position pruned so far (one row once anything was pruned): older cursors are expired.
CREATE TABLE changes_pruned (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  pos       xid8    NOT NULL,
  id        bigint  NOT NULL
);

-- Columns that are not data: a change of only these is no change (updated_at moves only with
-- data; source_version and change_pos are bookkeeping the data endpoints do not show).
CREATE FUNCTION buffalo_changes_hidden() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY['change_pos', 'source_version', 'updated_at'];

CREATE FUNCTION buffalo_changes_bump_pos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_pos := greatest(pg_current_xact_id(), OLD.change_pos);
  RETURN NEW;
END
$$;

-- One INSERT … SELECT per statement from its transition tables. A row inserted already deleted,
-- or moved from live to deleted, is DELETED; moved back to live, ADDED; a live row whose data
-- changed, UPDATED; a row that was and stays deleted is no change for a consumer of live
-- records (it comes back as ADDED with its data then). A hard DELETE (a connection purge) is a
-- DELETED tombstone carrying only the identity fields.
-- Transition tables have no statistics: the planner takes them for one row and would join old
-- and new rows in a nested loop, quadratic in the statement's rows (measured: 500 µs per row at
-- 500 rows a statement); without nested loops it hashes them on id.
CREATE FUNCTION buffalo_changes_capture() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = off AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO changes (pos, table_name, action, source, connection_id, record_id, record)
    SELECT n.change_pos, TG_TABLE_NAME, CASE WHEN n.deleted_at IS NULL THEN 'ADDED' ELSE 'DELETED' END,
           n.source, n.connection_id, n.id, to_jsonb(n)
    FROM new_rows n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO changes (pos, table_name, action, source, connection_id, record_id, record)
    SELECT n.change_pos, TG_TABLE_NAME,
           CASE WHEN n.deleted_at IS NOT NULL THEN 'DELETED' WHEN o.deleted_at IS NOT NULL THEN 'ADDED' ELSE 'UPDATED' END,
           n.source, n.connection_id, n.id, n.j
    FROM (SELECT r.id, r.change_pos, r.source, r.connection_id, r.deleted_at, to_jsonb(r) AS j FROM new_rows r OFFSET 0) n
    JOIN (SELECT r.id, r.deleted_at, to_jsonb(r) - buffalo_changes_hidden() AS data FROM old_rows r OFFSET 0) o ON o.id = n.id
    WHERE CASE WHEN o.deleted_at IS NULL AND n.deleted_at IS NULL THEN o.data IS DISTINCT FROM (n.j - buffalo_changes_hidden())
               ELSE (o.deleted_at IS NULL) <> (n.deleted_at IS NULL) END;
  ELSE
    INSERT INTO changes (pos, table_name, action, source, connection_id, record_id, record)
    SELECT greatest(pg_current_xact_id(), o.change_pos), TG_TABLE_NAME, 'DELETED', o.source, o.connection_id, o.id,
           jsonb_build_object('id', o.id, 'source', o.source, 'connection_id', o.connection_id, 'external_id', o.external_id)
    FROM old_rows o;
  END IF;
  RETURN NULL;
END
$$;

-- Transition tables only exist on single-event triggers, hence one trigger per event and table.
CREATE TRIGGER payments_changes_pos BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION buffalo_changes_bump_pos();
CREATE TRIGGER payments_changes_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER payments_changes_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER payments_changes_delete AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER contacts_changes_pos BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION buffalo_changes_bump_pos();
CREATE TRIGGER contacts_changes_insert AFTER INSERT ON contacts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER contacts_changes_update AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER contacts_changes_delete AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER calendar_events_changes_pos BEFORE UPDATE ON calendar_events FOR EACH ROW EXECUTE FUNCTION buffalo_changes_bump_pos();
CREATE TRIGGER calendar_events_changes_insert AFTER INSERT ON calendar_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER calendar_events_changes_update AFTER UPDATE ON calendar_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER calendar_events_changes_delete AFTER DELETE ON calendar_events REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER campaigns_changes_pos BEFORE UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION buffalo_changes_bump_pos();
CREATE TRIGGER campaigns_changes_insert AFTER INSERT ON campaigns REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER campaigns_changes_update AFTER UPDATE ON campaigns REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();
CREATE TRIGGER campaigns_changes_delete AFTER DELETE ON campaigns REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_changes_capture();

-- Rows stored before the feed existed: one ADDED (or DELETED) change each, at this migration's
-- position, so an upgraded install's feed is complete from its beginning.
INSERT INTO changes (pos, table_name, action, source, connection_id, record_id, record)
SELECT pg_current_xact_id(), t.table_name, CASE WHEN (t.r ->> 'deleted_at') IS NULL THEN 'ADDED' ELSE 'DELETED' END,
       t.r ->> 'source', t.r ->> 'connection_id', (t.r ->> 'id')::bigint, t.r
FROM (SELECT 'payments' AS table_name, to_jsonb(p) AS r, p.updated_at, p.id FROM payments p
      UNION ALL SELECT 'contacts', to_jsonb(c), c.updated_at, c.id FROM contacts c
      UNION ALL SELECT 'calendar_events', to_jsonb(e), e.updated_at, e.id FROM calendar_events e
      UNION ALL SELECT 'campaigns', to_jsonb(m), m.updated_at, m.id FROM campaigns m) t
ORDER BY t.table_name, t.updated_at, t.id;

-- Down Migration
DROP TRIGGER campaigns_changes_delete ON campaigns;
DROP TRIGGER campaigns_changes_update ON campaigns;
DROP TRIGGER campaigns_changes_insert ON campaigns;
DROP TRIGGER campaigns_changes_pos ON campaigns;
DROP TRIGGER calendar_events_changes_delete ON calendar_events;
DROP TRIGGER calendar_events_changes_update ON calendar_events;
DROP TRIGGER calendar_events_changes_insert ON calendar_events;
DROP TRIGGER calendar_events_changes_pos ON calendar_events;
DROP TRIGGER contacts_changes_delete ON contacts;
DROP TRIGGER contacts_changes_update ON contacts;
DROP TRIGGER contacts_changes_insert ON contacts;
DROP TRIGGER contacts_changes_pos ON contacts;
DROP TRIGGER payments_changes_delete ON payments;
DROP TRIGGER payments_changes_update ON payments;
DROP TRIGGER payments_changes_insert ON payments;
DROP TRIGGER payments_changes_pos ON payments;
DROP FUNCTION buffalo_changes_capture();
DROP FUNCTION buffalo_changes_bump_pos();
DROP FUNCTION buffalo_changes_hidden();
DROP TABLE changes_pruned;
DROP TABLE changes;
ALTER TABLE campaigns       DROP COLUMN change_pos;
ALTER TABLE calendar_events DROP COLUMN change_pos;
ALTER TABLE contacts        DROP COLUMN change_pos;
ALTER TABLE payments        DROP COLUMN change_pos;
