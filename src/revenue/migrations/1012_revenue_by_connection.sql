-- Up Migration
-- Revenue per connection (one upstream account, src/connections): the rollup gains the
-- payment's connection_id as the last part of its key, so the views can answer for one account
-- and two accounts of a source never share a row. The primary key keeps its order (currency,
-- hour/day, source, connection), so "all sources" and "one source" stay range scans of the
-- same index; a second index per table, (currency, connection, hour/day), serves one connection.
-- Design notes live in src/revenue/README.md.

-- Payment writers wait until the rollup is re-keyed and rebuilt (the lock rebuildRevenueRollup
-- takes): no write can stage a contribution keyed the old way, nor slip past the backfill.
LOCK TABLE payments IN SHARE MODE;

-- The old rows carry no connection; the backfill below recomputes them from payments.
TRUNCATE revenue_rollup, revenue_rollup_daily;
ALTER TABLE revenue_rollup ADD COLUMN connection_id text NOT NULL,
  DROP CONSTRAINT revenue_rollup_pkey, ADD PRIMARY KEY (currency, hour_start, source, connection_id);
ALTER TABLE revenue_rollup_daily ADD COLUMN connection_id text NOT NULL,
  DROP CONSTRAINT revenue_rollup_daily_pkey, ADD PRIMARY KEY (currency, day_start, source, connection_id);
-- Staged rows never outlive their transaction, so the scratchpad is empty here.
ALTER TABLE revenue_rollup_pending ADD COLUMN connection_id text NOT NULL;
-- One connection's range scans (its extent, its days, a cut hour) without reading the rows of
-- every other connection active in the same hours.
CREATE INDEX revenue_rollup_connection ON revenue_rollup (currency, connection_id, hour_start);
CREATE INDEX revenue_rollup_daily_connection ON revenue_rollup_daily (currency, connection_id, day_start);

-- The expected views of 1009, grouped by connection as well (a new column can only be added
-- last, which is also where the tables have it).
CREATE OR REPLACE VIEW revenue_rollup_expected AS
SELECT currency::text AS currency,
       date_bin('1 hour', occurred_at, timestamptz 'epoch') AS hour_start,
       source,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 0), 0)::bigint AS gross_00,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 1), 0)::bigint AS gross_15,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 2), 0)::bigint AS gross_30,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 3), 0)::bigint AS gross_45,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 0), 0)::bigint AS refunded_00,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 1), 0)::bigint AS refunded_15,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 2), 0)::bigint AS refunded_30,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 3), 0)::bigint AS refunded_45,
       count(*) FILTER (WHERE q = 0) AS count_00,
       count(*) FILTER (WHERE q = 1) AS count_15,
       count(*) FILTER (WHERE q = 2) AS count_30,
       count(*) FILTER (WHERE q = 3) AS count_45,
       connection_id
FROM (SELECT p.*, extract(minute FROM p.occurred_at AT TIME ZONE 'UTC')::int / 15 AS q
      FROM payments p
      WHERE buffalo_counts_as_revenue(p.kind, p.status, p.deleted_at)) counted
GROUP BY 1, 2, 3, 16;

CREATE OR REPLACE VIEW revenue_rollup_daily_expected AS
SELECT currency, day_start, source,
       array_agg(g ORDER BY k) AS gross_cents, array_agg(r ORDER BY k) AS refunded_cents, array_agg(n ORDER BY k) AS charge_count,
       connection_id
FROM (
  SELECT days.currency, days.day_start, days.source, days.connection_id, k,
         (sum(coalesce(h.g, 0)) OVER w)::bigint AS g, (sum(coalesce(h.r, 0)) OVER w)::bigint AS r, (sum(coalesce(h.n, 0)) OVER w)::bigint AS n
  FROM (SELECT DISTINCT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source, connection_id FROM revenue_rollup_expected) days
  CROSS JOIN generate_series(1, 24) AS k
  LEFT JOIN (SELECT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source, connection_id,
                    extract(hour FROM hour_start AT TIME ZONE 'UTC')::int + 1 AS k,
                    gross_00 + gross_15 + gross_30 + gross_45 AS g,
                    refunded_00 + refunded_15 + refunded_30 + refunded_45 AS r,
                    count_00 + count_15 + count_30 + count_45 AS n
             FROM revenue_rollup_expected) h USING (currency, day_start, source, connection_id, k)
  WINDOW w AS (PARTITION BY days.currency, days.day_start, days.source, days.connection_id ORDER BY k)
) running
GROUP BY currency, day_start, source, connection_id;

-- Staging (0300's buffalo_revenue_rollup_add) with the connection carried alongside the source.
CREATE FUNCTION buffalo_revenue_rollup_add(
  signs int[], currencies text[], sources text[], connections text[], occurred timestamptz[], gross bigint[], refunded bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE staged bigint;
BEGIN
  INSERT INTO revenue_rollup_pending (currency, hour_start, source, connection_id,
    gross_00, gross_15, gross_30, gross_45, refunded_00, refunded_15, refunded_30, refunded_45,
    count_00, count_15, count_30, count_45)
  SELECT currency, hour_start, source, connection_id,
    coalesce(sum(g) FILTER (WHERE q = 0), 0), coalesce(sum(g) FILTER (WHERE q = 1), 0),
    coalesce(sum(g) FILTER (WHERE q = 2), 0), coalesce(sum(g) FILTER (WHERE q = 3), 0),
    coalesce(sum(rf) FILTER (WHERE q = 0), 0), coalesce(sum(rf) FILTER (WHERE q = 1), 0),
    coalesce(sum(rf) FILTER (WHERE q = 2), 0), coalesce(sum(rf) FILTER (WHERE q = 3), 0),
    coalesce(sum(n) FILTER (WHERE q = 0), 0), coalesce(sum(n) FILTER (WHERE q = 1), 0),
    coalesce(sum(n) FILTER (WHERE q = 2), 0), coalesce(sum(n) FILTER (WHERE q = 3), 0)
  FROM (
    SELECT c.currency, date_bin('1 hour', c.at, timestamptz 'epoch') AS hour_start, c.source, c.connection_id,
           extract(minute FROM c.at AT TIME ZONE 'UTC')::int / 15 AS q,
           sum(c.sign * c.gross) AS g, sum(c.sign * c.refunded) AS rf, sum(c.sign) AS n
    FROM unnest(signs, currencies, sources, connections, occurred, gross, refunded)
         AS c(sign, currency, source, connection_id, at, gross, refunded)
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(c.sign * c.gross) <> 0 OR sum(c.sign * c.refunded) <> 0 OR sum(c.sign) <> 0
  ) per_quarter
  GROUP BY 1, 2, 3, 4;
  GET DIAGNOSTICS staged = ROW_COUNT;
  IF staged > 0 THEN
    INSERT INTO revenue_rollup_flush (xact) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  END IF;
END
$$;

-- The commit-time flush of 0300, keyed by connection too. Rows are still upserted in primary
-- key order (hourly, then daily), so every writer keeps locking in one global order.
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

-- The trigger body of 1009 passing each row's connection. An UPDATE subtracts the old row under
-- its old connection and adds the new row under its new one, so even a payment moved to another
-- connection (ingestion never does it) leaves every connection's figures exact.
CREATE OR REPLACE FUNCTION buffalo_revenue_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(1), array_agg(currency::text), array_agg(source), array_agg(connection_id),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM new_rows WHERE buffalo_counts_as_revenue(kind, status, deleted_at)
    HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(sign), array_agg(currency::text), array_agg(source), array_agg(connection_id),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM (SELECT 1 AS sign, n.* FROM new_rows n WHERE buffalo_counts_as_revenue(n.kind, n.status, n.deleted_at)
          UNION ALL
          SELECT -1 AS sign, o.* FROM old_rows o WHERE buffalo_counts_as_revenue(o.kind, o.status, o.deleted_at)) changed
    HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(-1), array_agg(currency::text), array_agg(source), array_agg(connection_id),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM old_rows WHERE buffalo_counts_as_revenue(kind, status, deleted_at)
    HAVING count(*) > 0;
  ELSE -- TRUNCATE (it waits for every other writer, so only this transaction can have staged rows)
    DELETE FROM revenue_rollup_pending WHERE xact = pg_current_xact_id();
    DELETE FROM revenue_rollup;
    DELETE FROM revenue_rollup_daily;
  END IF;
  RETURN NULL;
END
$$;

DROP FUNCTION buffalo_revenue_rollup_add(int[], text[], text[], timestamptz[], bigint[], bigint[]);

-- Backfill: every existing payment, now per connection.
INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected;
INSERT INTO revenue_rollup_daily SELECT * FROM revenue_rollup_daily_expected;

-- Down Migration
-- Back to one row per (currency, hour/day, source): the 0300 functions calling the 1009
-- predicate, the 1009 views, and a rebuild.
LOCK TABLE payments IN SHARE MODE;

CREATE FUNCTION buffalo_revenue_rollup_add(
  signs int[], currencies text[], sources text[], occurred timestamptz[], gross bigint[], refunded bigint[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE staged bigint;
BEGIN
  INSERT INTO revenue_rollup_pending (currency, hour_start, source,
    gross_00, gross_15, gross_30, gross_45, refunded_00, refunded_15, refunded_30, refunded_45,
    count_00, count_15, count_30, count_45)
  SELECT currency, hour_start, source,
    coalesce(sum(g) FILTER (WHERE q = 0), 0), coalesce(sum(g) FILTER (WHERE q = 1), 0),
    coalesce(sum(g) FILTER (WHERE q = 2), 0), coalesce(sum(g) FILTER (WHERE q = 3), 0),
    coalesce(sum(rf) FILTER (WHERE q = 0), 0), coalesce(sum(rf) FILTER (WHERE q = 1), 0),
    coalesce(sum(rf) FILTER (WHERE q = 2), 0), coalesce(sum(rf) FILTER (WHERE q = 3), 0),
    coalesce(sum(n) FILTER (WHERE q = 0), 0), coalesce(sum(n) FILTER (WHERE q = 1), 0),
    coalesce(sum(n) FILTER (WHERE q = 2), 0), coalesce(sum(n) FILTER (WHERE q = 3), 0)
  FROM (
    SELECT c.currency, date_bin('1 hour', c.at, timestamptz 'epoch') AS hour_start, c.source,
           extract(minute FROM c.at AT TIME ZONE 'UTC')::int / 15 AS q,
           sum(c.sign * c.gross) AS g, sum(c.sign * c.refunded) AS rf, sum(c.sign) AS n
    FROM unnest(signs, currencies, sources, occurred, gross, refunded)
         AS c(sign, currency, source, at, gross, refunded)
    GROUP BY 1, 2, 3, 4
    HAVING sum(c.sign * c.gross) <> 0 OR sum(c.sign * c.refunded) <> 0 OR sum(c.sign) <> 0
  ) per_quarter
  GROUP BY 1, 2, 3;
  GET DIAGNOSTICS staged = ROW_COUNT;
  IF staged > 0 THEN
    INSERT INTO revenue_rollup_flush (xact) VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
  END IF;
END
$$;

CREATE OR REPLACE FUNCTION buffalo_revenue_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(1), array_agg(currency::text), array_agg(source),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM new_rows WHERE buffalo_counts_as_revenue(kind, status, deleted_at)
    HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(sign), array_agg(currency::text), array_agg(source),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM (SELECT 1 AS sign, n.* FROM new_rows n WHERE buffalo_counts_as_revenue(n.kind, n.status, n.deleted_at)
          UNION ALL
          SELECT -1 AS sign, o.* FROM old_rows o WHERE buffalo_counts_as_revenue(o.kind, o.status, o.deleted_at)) changed
    HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(-1), array_agg(currency::text), array_agg(source),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM old_rows WHERE buffalo_counts_as_revenue(kind, status, deleted_at)
    HAVING count(*) > 0;
  ELSE
    DELETE FROM revenue_rollup_pending WHERE xact = pg_current_xact_id();
    DELETE FROM revenue_rollup;
    DELETE FROM revenue_rollup_daily;
  END IF;
  RETURN NULL;
END
$$;

DROP FUNCTION buffalo_revenue_rollup_add(int[], text[], text[], text[], timestamptz[], bigint[], bigint[]);

CREATE OR REPLACE FUNCTION buffalo_revenue_rollup_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM revenue_rollup_flush WHERE xact = NEW.xact;
  INSERT INTO revenue_rollup AS r (currency, hour_start, source,
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

  INSERT INTO revenue_rollup_daily AS d (currency, day_start, source, gross_cents, refunded_cents, charge_count)
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

-- A view cannot lose a column in place: drop both and recreate them as 1009 left them.
DROP VIEW revenue_rollup_daily_expected;
DROP VIEW revenue_rollup_expected;
CREATE VIEW revenue_rollup_expected AS
SELECT currency::text AS currency,
       date_bin('1 hour', occurred_at, timestamptz 'epoch') AS hour_start,
       source,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 0), 0)::bigint AS gross_00,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 1), 0)::bigint AS gross_15,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 2), 0)::bigint AS gross_30,
       coalesce(sum(amount_cents)   FILTER (WHERE q = 3), 0)::bigint AS gross_45,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 0), 0)::bigint AS refunded_00,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 1), 0)::bigint AS refunded_15,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 2), 0)::bigint AS refunded_30,
       coalesce(sum(refunded_cents) FILTER (WHERE q = 3), 0)::bigint AS refunded_45,
       count(*) FILTER (WHERE q = 0) AS count_00,
       count(*) FILTER (WHERE q = 1) AS count_15,
       count(*) FILTER (WHERE q = 2) AS count_30,
       count(*) FILTER (WHERE q = 3) AS count_45
FROM (SELECT p.*, extract(minute FROM p.occurred_at AT TIME ZONE 'UTC')::int / 15 AS q
      FROM payments p
      WHERE buffalo_counts_as_revenue(p.kind, p.status, p.deleted_at)) counted
GROUP BY 1, 2, 3;
CREATE VIEW revenue_rollup_daily_expected AS
SELECT currency, day_start, source,
       array_agg(g ORDER BY k) AS gross_cents, array_agg(r ORDER BY k) AS refunded_cents, array_agg(n ORDER BY k) AS charge_count
FROM (
  SELECT days.currency, days.day_start, days.source, k,
         (sum(coalesce(h.g, 0)) OVER w)::bigint AS g, (sum(coalesce(h.r, 0)) OVER w)::bigint AS r, (sum(coalesce(h.n, 0)) OVER w)::bigint AS n
  FROM (SELECT DISTINCT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source FROM revenue_rollup_expected) days
  CROSS JOIN generate_series(1, 24) AS k
  LEFT JOIN (SELECT currency, date_bin('1 day', hour_start, timestamptz 'epoch') AS day_start, source,
                    extract(hour FROM hour_start AT TIME ZONE 'UTC')::int + 1 AS k,
                    gross_00 + gross_15 + gross_30 + gross_45 AS g,
                    refunded_00 + refunded_15 + refunded_30 + refunded_45 AS r,
                    count_00 + count_15 + count_30 + count_45 AS n
             FROM revenue_rollup_expected) h USING (currency, day_start, source, k)
  WINDOW w AS (PARTITION BY days.currency, days.day_start, days.source ORDER BY k)
) running
GROUP BY 1, 2, 3;

TRUNCATE revenue_rollup, revenue_rollup_daily;
ALTER TABLE revenue_rollup_pending DROP COLUMN connection_id;
-- Dropping the column drops the indexes and primary keys that contain it.
ALTER TABLE revenue_rollup DROP COLUMN connection_id, ADD PRIMARY KEY (currency, hour_start, source);
ALTER TABLE revenue_rollup_daily DROP COLUMN connection_id, ADD PRIMARY KEY (currency, day_start, source);
INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected;
INSERT INTO revenue_rollup_daily SELECT * FROM revenue_rollup_daily_expected;
