-- Up Migration
-- Revenue per source again, next to revenue per connection. Since 1012 the rollup holds one row
-- per (currency, hour/day, source, connection), so an unfiltered or per-source view read one row
-- per active connection and bucket: its cost grew with the number of connections. This adds the
-- per-source level (the rollup as 0300 keyed it) maintained by the same commit-time flush, in
-- the same transaction as every payment write: views without `connectionId` read it, views
-- with one read the per-connection level. Design notes live in src/revenue/README.md.

-- Payment writers wait until both levels are rebuilt: no flush can run between the new flush
-- function and the backfill (the lock rebuildRevenueRollup takes).
LOCK TABLE payments IN SHARE MODE;

-- The per-source level: 0300's tables, named for their level.
CREATE TABLE revenue_source_rollup (
  currency     text        NOT NULL,
  hour_start   timestamptz NOT NULL,
  source       text        NOT NULL,
  gross_00     bigint      NOT NULL DEFAULT 0,
  gross_15     bigint      NOT NULL DEFAULT 0,
  gross_30     bigint      NOT NULL DEFAULT 0,
  gross_45     bigint      NOT NULL DEFAULT 0,
  refunded_00  bigint      NOT NULL DEFAULT 0,
  refunded_15  bigint      NOT NULL DEFAULT 0,
  refunded_30  bigint      NOT NULL DEFAULT 0,
  refunded_45  bigint      NOT NULL DEFAULT 0,
  count_00     bigint      NOT NULL DEFAULT 0,
  count_15     bigint      NOT NULL DEFAULT 0,
  count_30     bigint      NOT NULL DEFAULT 0,
  count_45     bigint      NOT NULL DEFAULT 0,
  PRIMARY KEY (currency, hour_start, source)
) WITH (fillfactor = 80); -- room for HOT updates: only counters change, never the key

CREATE TABLE revenue_source_rollup_daily (
  currency       text        NOT NULL,
  day_start      timestamptz NOT NULL, -- 00:00 UTC
  source         text        NOT NULL,
  gross_cents    bigint[]    NOT NULL CHECK (cardinality(gross_cents) = 24),
  refunded_cents bigint[]    NOT NULL CHECK (cardinality(refunded_cents) = 24),
  charge_count   bigint[]    NOT NULL CHECK (cardinality(charge_count) = 24),
  PRIMARY KEY (currency, day_start, source)
) WITH (fillfactor = 80);

-- The per-connection level is now read only with a connection filter, so its primary key leads
-- with the connection and replaces 1012's second index: one B-tree less to maintain per write.
-- (ON CONFLICT infers the key from its columns, in any order.)
DROP INDEX revenue_rollup_connection, revenue_rollup_daily_connection;
ALTER TABLE revenue_rollup DROP CONSTRAINT revenue_rollup_pkey, ADD PRIMARY KEY (currency, connection_id, hour_start, source);
ALTER TABLE revenue_rollup_daily DROP CONSTRAINT revenue_rollup_daily_pkey, ADD PRIMARY KEY (currency, connection_id, day_start, source);

-- What the per-source level must hold, recomputed from payments (through the per-connection
-- expected view, summed over connections): verifyRevenueRollup compares with these.
CREATE VIEW revenue_source_rollup_expected AS
SELECT currency, hour_start, source, sum(gross_00)::bigint AS gross_00, sum(gross_15)::bigint AS gross_15, sum(gross_30)::bigint AS gross_30, sum(gross_45)::bigint AS gross_45, sum(refunded_00)::bigint AS refunded_00, sum(refunded_15)::bigint AS refunded_15, sum(refunded_30)::bigint AS refunded_30, sum(refunded_45)::bigint AS refunded_45, sum(count_00)::bigint AS count_00, sum(count_15)::bigint AS count_15, sum(count_30)::bigint AS count_30, sum(count_45)::bigint AS count_45
FROM revenue_rollup_expected
GROUP BY 1, 2, 3;

CREATE VIEW revenue_source_rollup_daily_expected AS
SELECT currency, day_start, source,
       array_agg(g ORDER BY k) AS gross_cents, array_agg(r ORDER BY k) AS refunded_cents, array_agg(n ORDER BY k) AS charge_count
FROM (
  SELECT days.currency, days.day_start, days.source, k,
         (sum(coalesce(h.g, 0)) OVER w)::bigint AS g, (sum(coalesce(h.r, 0)) OVER w)::bigint AS r, (sum(coalesce(h.n, 0)) OVER w)::bigint AS n
  FROM (SELECT DISTINCT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source FROM revenue_source_rollup_expected) days
  CROSS JOIN generate_series(1, 24) AS k
  LEFT JOIN (SELECT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source,
                    extract(hour FROM hour_start AT TIME ZONE 'UTC')::int + 1 AS k,
                    gross_00 + gross_15 + gross_30 + gross_45 AS g,
                    refunded_00 + refunded_15 + refunded_30 + refunded_45 AS r,
                    count_00 + count_15 + count_30 + count_45 AS n
             FROM revenue_source_rollup_expected) h USING (currency, day_start, source, k)
  WINDOW w AS (PARTITION BY days.currency, days.day_start, days.source ORDER BY k)
) running
GROUP BY 1, 2, 3;

-- The commit-time flush of 1012, then the same staged contributions summed over connections into
-- the per-source level. Staging is unchanged: a statement's transition table is still
-- aggregated once, per (currency, hour, source, connection), and the per-source sums come from
-- those staged rows, so a transaction writes each touched per-source row once, whatever the
-- number of its statements and connections, and none whose net change is zero.
-- Lock order, the same for every writer: per-connection hourly rows by key, per-connection daily,
-- per-source hourly, per-source daily (each table in key order). A writer waiting for a row holds
-- only rows earlier in that order, so no cycle can form. The per-source rows are the hot ones
-- (every connection of a source writes them), so they come last: each is held only for the rest
-- of the flush and the commit, never while the per-connection upserts run.
CREATE OR REPLACE FUNCTION buffalo_revenue_rollup_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM revenue_rollup_flush WHERE xact = NEW.xact;
  INSERT INTO revenue_rollup AS r (currency, hour_start, source, connection_id,
    gross_00, gross_15, gross_30, gross_45, refunded_00, refunded_15, refunded_30, refunded_45,
    count_00, count_15, count_30, count_45)
  SELECT currency, hour_start, source, connection_id,
    sum(gross_00), sum(gross_15), sum(gross_30), sum(gross_45),
    sum(refunded_00), sum(refunded_15), sum(refunded_30), sum(refunded_45),
    sum(count_00), sum(count_15), sum(count_30), sum(count_45)
  FROM revenue_rollup_pending
  WHERE xact = NEW.xact
  GROUP BY 1, 2, 3, 4
  HAVING sum(gross_00) <> 0 OR sum(gross_15) <> 0 OR sum(gross_30) <> 0 OR sum(gross_45) <> 0
      OR sum(refunded_00) <> 0 OR sum(refunded_15) <> 0 OR sum(refunded_30) <> 0 OR sum(refunded_45) <> 0
      OR sum(count_00) <> 0 OR sum(count_15) <> 0 OR sum(count_30) <> 0 OR sum(count_45) <> 0
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (currency, hour_start, source, connection_id) DO UPDATE SET
    gross_00 = r.gross_00 + EXCLUDED.gross_00, gross_15 = r.gross_15 + EXCLUDED.gross_15,
    gross_30 = r.gross_30 + EXCLUDED.gross_30, gross_45 = r.gross_45 + EXCLUDED.gross_45,
    refunded_00 = r.refunded_00 + EXCLUDED.refunded_00, refunded_15 = r.refunded_15 + EXCLUDED.refunded_15,
    refunded_30 = r.refunded_30 + EXCLUDED.refunded_30, refunded_45 = r.refunded_45 + EXCLUDED.refunded_45,
    count_00 = r.count_00 + EXCLUDED.count_00, count_15 = r.count_15 + EXCLUDED.count_15,
    count_30 = r.count_30 + EXCLUDED.count_30, count_45 = r.count_45 + EXCLUDED.count_45;

  INSERT INTO revenue_rollup_daily AS d (currency, day_start, source, connection_id, gross_cents, refunded_cents, charge_count)
  SELECT currency, day_start, source, connection_id, array_agg(g ORDER BY k), array_agg(r ORDER BY k), array_agg(n ORDER BY k)
  FROM (
    SELECT days.currency, days.day_start, days.source, days.connection_id, k,
           (sum(coalesce(h.g, 0)) OVER w)::bigint AS g, (sum(coalesce(h.r, 0)) OVER w)::bigint AS r, (sum(coalesce(h.n, 0)) OVER w)::bigint AS n
    FROM (SELECT DISTINCT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source, connection_id
          FROM revenue_rollup_pending WHERE xact = NEW.xact) days
    CROSS JOIN generate_series(1, 24) AS k
    LEFT JOIN (SELECT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source, connection_id,
                      extract(hour FROM hour_start AT TIME ZONE 'UTC')::int + 1 AS k,
                      sum(gross_00 + gross_15 + gross_30 + gross_45) AS g,
                      sum(refunded_00 + refunded_15 + refunded_30 + refunded_45) AS r,
                      sum(count_00 + count_15 + count_30 + count_45) AS n
               FROM revenue_rollup_pending WHERE xact = NEW.xact
               GROUP BY 1, 2, 3, 4, 5) h USING (currency, day_start, source, connection_id, k)
    WINDOW w AS (PARTITION BY days.currency, days.day_start, days.source, days.connection_id ORDER BY k)
  ) running
  GROUP BY 1, 2, 3, 4
  HAVING bool_or(g <> 0 OR r <> 0 OR n <> 0)
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (currency, day_start, source, connection_id) DO UPDATE SET
    gross_cents = buffalo_add_arrays(d.gross_cents, EXCLUDED.gross_cents),
    refunded_cents = buffalo_add_arrays(d.refunded_cents, EXCLUDED.refunded_cents),
    charge_count = buffalo_add_arrays(d.charge_count, EXCLUDED.charge_count);

  INSERT INTO revenue_source_rollup AS r (currency, hour_start, source,
    gross_00, gross_15, gross_30, gross_45, refunded_00, refunded_15, refunded_30, refunded_45,
    count_00, count_15, count_30, count_45)
  SELECT currency, hour_start, source,
    sum(gross_00), sum(gross_15), sum(gross_30), sum(gross_45),
    sum(refunded_00), sum(refunded_15), sum(refunded_30), sum(refunded_45),
    sum(count_00), sum(count_15), sum(count_30), sum(count_45)
  FROM revenue_rollup_pending
  WHERE xact = NEW.xact
  GROUP BY 1, 2, 3
  HAVING sum(gross_00) <> 0 OR sum(gross_15) <> 0 OR sum(gross_30) <> 0 OR sum(gross_45) <> 0
      OR sum(refunded_00) <> 0 OR sum(refunded_15) <> 0 OR sum(refunded_30) <> 0 OR sum(refunded_45) <> 0
      OR sum(count_00) <> 0 OR sum(count_15) <> 0 OR sum(count_30) <> 0 OR sum(count_45) <> 0
  ORDER BY 1, 2, 3
  ON CONFLICT (currency, hour_start, source) DO UPDATE SET
    gross_00 = r.gross_00 + EXCLUDED.gross_00, gross_15 = r.gross_15 + EXCLUDED.gross_15,
    gross_30 = r.gross_30 + EXCLUDED.gross_30, gross_45 = r.gross_45 + EXCLUDED.gross_45,
    refunded_00 = r.refunded_00 + EXCLUDED.refunded_00, refunded_15 = r.refunded_15 + EXCLUDED.refunded_15,
    refunded_30 = r.refunded_30 + EXCLUDED.refunded_30, refunded_45 = r.refunded_45 + EXCLUDED.refunded_45,
    count_00 = r.count_00 + EXCLUDED.count_00, count_15 = r.count_15 + EXCLUDED.count_15,
    count_30 = r.count_30 + EXCLUDED.count_30, count_45 = r.count_45 + EXCLUDED.count_45;

  INSERT INTO revenue_source_rollup_daily AS d (currency, day_start, source, gross_cents, refunded_cents, charge_count)
  SELECT currency, day_start, source, array_agg(g ORDER BY k), array_agg(r ORDER BY k), array_agg(n ORDER BY k)
  FROM (
    SELECT days.currency, days.day_start, days.source, k,
           (sum(coalesce(h.g, 0)) OVER w)::bigint AS g, (sum(coalesce(h.r, 0)) OVER w)::bigint AS r, (sum(coalesce(h.n, 0)) OVER w)::bigint AS n
    FROM (SELECT DISTINCT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source
          FROM revenue_rollup_pending WHERE xact = NEW.xact) days
    CROSS JOIN generate_series(1, 24) AS k
    LEFT JOIN (SELECT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source,
                      extract(hour FROM hour_start AT TIME ZONE 'UTC')::int + 1 AS k,
                      sum(gross_00 + gross_15 + gross_30 + gross_45) AS g,
                      sum(refunded_00 + refunded_15 + refunded_30 + refunded_45) AS r,
                      sum(count_00 + count_15 + count_30 + count_45) AS n
               FROM revenue_rollup_pending WHERE xact = NEW.xact
               GROUP BY 1, 2, 3, 4) h USING (currency, day_start, source, k)
    WINDOW w AS (PARTITION BY days.currency, days.day_start, days.source ORDER BY k)
  ) running
  GROUP BY 1, 2, 3
  HAVING bool_or(g <> 0 OR r <> 0 OR n <> 0)
  ORDER BY 1, 2, 3
  ON CONFLICT (currency, day_start, source) DO UPDATE SET
    gross_cents = buffalo_add_arrays(d.gross_cents, EXCLUDED.gross_cents),
    refunded_cents = buffalo_add_arrays(d.refunded_cents, EXCLUDED.refunded_cents),
    charge_count = buffalo_add_arrays(d.charge_count, EXCLUDED.charge_count);

  DELETE FROM revenue_rollup_pending WHERE xact = NEW.xact;
  RETURN NULL;
END
$$;

-- TRUNCATE of payments empties the per-source level too (the apply trigger empties the other).
CREATE FUNCTION buffalo_revenue_source_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM revenue_source_rollup;
  DELETE FROM revenue_source_rollup_daily;
  RETURN NULL;
END
$$;
CREATE TRIGGER payments_revenue_source_rollup_truncate AFTER TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION buffalo_revenue_source_rollup_truncate();

-- Both levels from payments (the per-connection one only re-keyed above, rebuilt all the same so
-- the two start from one recomputation).
TRUNCATE revenue_rollup, revenue_rollup_daily;
INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected;
INSERT INTO revenue_rollup_daily SELECT * FROM revenue_rollup_daily_expected;
INSERT INTO revenue_source_rollup SELECT * FROM revenue_source_rollup_expected;
INSERT INTO revenue_source_rollup_daily SELECT * FROM revenue_source_rollup_daily_expected;

-- Down Migration
-- Back to 1012: the per-connection level alone, with its primary key and second index, and its
-- flush. It is exact already (this migration keeps it exact), so nothing is rebuilt.
LOCK TABLE payments IN SHARE MODE;

DROP TRIGGER payments_revenue_source_rollup_truncate ON payments;
DROP FUNCTION buffalo_revenue_source_rollup_truncate();

-- 1012's flush: the per-connection level only.
CREATE OR REPLACE FUNCTION buffalo_revenue_rollup_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM revenue_rollup_flush WHERE xact = NEW.xact;
  INSERT INTO revenue_rollup AS r (currency, hour_start, source, connection_id,
    gross_00, gross_15, gross_30, gross_45, refunded_00, refunded_15, refunded_30, refunded_45,
    count_00, count_15, count_30, count_45)
  SELECT currency, hour_start, source, connection_id,
    sum(gross_00), sum(gross_15), sum(gross_30), sum(gross_45),
    sum(refunded_00), sum(refunded_15), sum(refunded_30), sum(refunded_45),
    sum(count_00), sum(count_15), sum(count_30), sum(count_45)
  FROM revenue_rollup_pending
  WHERE xact = NEW.xact
  GROUP BY 1, 2, 3, 4
  HAVING sum(gross_00) <> 0 OR sum(gross_15) <> 0 OR sum(gross_30) <> 0 OR sum(gross_45) <> 0
      OR sum(refunded_00) <> 0 OR sum(refunded_15) <> 0 OR sum(refunded_30) <> 0 OR sum(refunded_45) <> 0
      OR sum(count_00) <> 0 OR sum(count_15) <> 0 OR sum(count_30) <> 0 OR sum(count_45) <> 0
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (currency, hour_start, source, connection_id) DO UPDATE SET
    gross_00 = r.gross_00 + EXCLUDED.gross_00, gross_15 = r.gross_15 + EXCLUDED.gross_15,
    gross_30 = r.gross_30 + EXCLUDED.gross_30, gross_45 = r.gross_45 + EXCLUDED.gross_45,
    refunded_00 = r.refunded_00 + EXCLUDED.refunded_00, refunded_15 = r.refunded_15 + EXCLUDED.refunded_15,
    refunded_30 = r.refunded_30 + EXCLUDED.refunded_30, refunded_45 = r.refunded_45 + EXCLUDED.refunded_45,
    count_00 = r.count_00 + EXCLUDED.count_00, count_15 = r.count_15 + EXCLUDED.count_15,
    count_30 = r.count_30 + EXCLUDED.count_30, count_45 = r.count_45 + EXCLUDED.count_45;

  INSERT INTO revenue_rollup_daily AS d (currency, day_start, source, connection_id, gross_cents, refunded_cents, charge_count)
  SELECT currency, day_start, source, connection_id, array_agg(g ORDER BY k), array_agg(r ORDER BY k), array_agg(n ORDER BY k)
  FROM (
    SELECT days.currency, days.day_start, days.source, days.connection_id, k,
           (sum(coalesce(h.g, 0)) OVER w)::bigint AS g, (sum(coalesce(h.r, 0)) OVER w)::bigint AS r, (sum(coalesce(h.n, 0)) OVER w)::bigint AS n
    FROM (SELECT DISTINCT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source, connection_id
          FROM revenue_rollup_pending WHERE xact = NEW.xact) days
    CROSS JOIN generate_series(1, 24) AS k
    LEFT JOIN (SELECT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source, connection_id,
                      extract(hour FROM hour_start AT TIME ZONE 'UTC')::int + 1 AS k,
                      sum(gross_00 + gross_15 + gross_30 + gross_45) AS g,
                      sum(refunded_00 + refunded_15 + refunded_30 + refunded_45) AS r,
                      sum(count_00 + count_15 + count_30 + count_45) AS n
               FROM revenue_rollup_pending WHERE xact = NEW.xact
               GROUP BY 1, 2, 3, 4, 5) h USING (currency, day_start, source, connection_id, k)
    WINDOW w AS (PARTITION BY days.currency, days.day_start, days.source, days.connection_id ORDER BY k)
  ) running
  GROUP BY 1, 2, 3, 4
  HAVING bool_or(g <> 0 OR r <> 0 OR n <> 0)
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (currency, day_start, source, connection_id) DO UPDATE SET
    gross_cents = buffalo_add_arrays(d.gross_cents, EXCLUDED.gross_cents),
    refunded_cents = buffalo_add_arrays(d.refunded_cents, EXCLUDED.refunded_cents),
    charge_count = buffalo_add_arrays(d.charge_count, EXCLUDED.charge_count);

  DELETE FROM revenue_rollup_pending WHERE xact = NEW.xact;
  RETURN NULL;
END
$$;

DROP VIEW revenue_source_rollup_daily_expected;
DROP VIEW revenue_source_rollup_expected;
DROP TABLE revenue_source_rollup_daily;
DROP TABLE revenue_source_rollup;

ALTER TABLE revenue_rollup DROP CONSTRAINT revenue_rollup_pkey, ADD PRIMARY KEY (currency, hour_start, source, connection_id);
ALTER TABLE revenue_rollup_daily DROP CONSTRAINT revenue_rollup_daily_pkey, ADD PRIMARY KEY (currency, day_start, source, connection_id);
CREATE INDEX revenue_rollup_connection ON revenue_rollup (currency, connection_id, hour_start);
CREATE INDEX revenue_rollup_daily_connection ON revenue_rollup_daily (currency, connection_id, day_start);
