-- Up Migration
-- Revenue rollup. Every view reads these tables, never `payments`, so a view costs
-- the same at 10 M payments as at 10 k. Design notes live in src/revenue/README.md.

-- The revenue definition in SQL. src/revenue/definition.ts owns the rule and points at this
-- function (REVENUE_SQL_PREDICATE); test/revenue/definition.test.ts proves both agree for every
-- kind × status. Changing the rule = a new migration replacing this function, then
-- rebuildRevenueRollup().
CREATE FUNCTION buffalo_counts_as_revenue(kind text, status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(kind = 'charge' AND status IN ('COLLECTED', 'REFUNDED'), false) $$;

-- One row per (currency, source, UTC hour) with the hour split into four quarter-hour columns
-- (minutes 00, 15, 30, 45). Every IANA offset is a multiple of 15 minutes, so a local day in any
-- time zone is a run of whole quarters: whole hours are read as a row, and only the hour that a
-- local midnight cuts (e.g. 18:15Z for Asia/Kathmandu) is read quarter by quarter.
CREATE TABLE revenue_rollup (
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
  -- Views scan (currency, hour range) for all sources, or one source via the third column.
  PRIMARY KEY (currency, hour_start, source)
) WITH (fillfactor = 80); -- room for HOT updates: only counters change, never the key

-- One row per (currency, UTC day, source) holding running totals by hour: element k (1–24) of
-- each array is the total of the day's first k hours, so [24] is the day's total and any run
-- of whole hours [i, j) is one subtraction, [j] − [i]. A view thus reads one row for a UTC day
-- no bucket boundary cuts, and the same row twice for a day a local midnight cuts in two; only
-- an hour a boundary cuts at :15/:30/:45 is read from revenue_rollup's quarter columns.
CREATE TABLE revenue_rollup_daily (
  currency       text        NOT NULL,
  day_start      timestamptz NOT NULL, -- 00:00 UTC
  source         text        NOT NULL,
  gross_cents    bigint[]    NOT NULL CHECK (cardinality(gross_cents) = 24),
  refunded_cents bigint[]    NOT NULL CHECK (cardinality(refunded_cents) = 24),
  charge_count   bigint[]    NOT NULL CHECK (cardinality(charge_count) = 24),
  PRIMARY KEY (currency, day_start, source)
) WITH (fillfactor = 80);

-- Element-wise a + b of two running-total arrays.
CREATE FUNCTION buffalo_add_arrays(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) $$;

-- What the rollup must hold, recomputed from payments: the backfill below,
-- rebuildRevenueRollup() and verifyRevenueRollup() use these views.
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
      WHERE buffalo_counts_as_revenue(p.kind, p.status)) counted
GROUP BY 1, 2, 3;

-- Hourly totals → running totals per day. The flush below does the same over staged deltas.
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

-- Contributions wait here until their transaction commits (see buffalo_revenue_rollup_flush).
-- Rows never outlive their transaction, so the table is UNLOGGED: no WAL for a scratchpad.
CREATE UNLOGGED TABLE revenue_rollup_pending (LIKE revenue_rollup, xact xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX revenue_rollup_pending_xact ON revenue_rollup_pending (xact);
-- One row per writing transaction; inserting it queues that transaction's flush at commit.
CREATE UNLOGGED TABLE revenue_rollup_flush (xact xid8 PRIMARY KEY);

-- Stage signed contributions (+1 new row, -1 old row), summed per rollup key so a 500-row batch
-- stages each key once; keys whose net change is zero are dropped, so re-upserting identical
-- data touches nothing.
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

-- At commit, move the transaction's staged contributions into the rollup, one upsert per table,
-- in one global key order. Every writer takes its rollup row locks at one point, sorted, and
-- holds them only while committing: no deadlock between writers (ordered locking; a committing
-- transaction waits for nothing else), and hot rows (today, this hour) are held for
-- microseconds rather than for a whole ingest transaction. A deferred trigger fires inside the
-- commit, so the rollup still changes atomically with the payments.
CREATE FUNCTION buffalo_revenue_rollup_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM revenue_rollup_flush WHERE xact = NEW.xact;
  -- Lock order, the same for every writer: hourly rows by key, then daily rows by key.
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

CREATE CONSTRAINT TRIGGER revenue_rollup_flush_at_commit AFTER INSERT ON revenue_rollup_flush
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION buffalo_revenue_rollup_flush();

-- Statement-level trigger body: the transition tables hold every row the statement changed, so
-- any writer's transaction keeps the rollup exact at one staging insert per statement. An UPDATE
-- subtracts the old contribution and adds the new one, which covers status, amount, refund,
-- date, currency and source changes alike. (INSERT … ON CONFLICT fires both the INSERT and the
-- UPDATE trigger; both stage, and the single flush at commit keeps the lock order global.)
CREATE FUNCTION buffalo_revenue_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(1), array_agg(currency::text), array_agg(source),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM new_rows WHERE buffalo_counts_as_revenue(kind, status)
    HAVING count(*) > 0;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(sign), array_agg(currency::text), array_agg(source),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM (SELECT 1 AS sign, n.* FROM new_rows n WHERE buffalo_counts_as_revenue(n.kind, n.status)
          UNION ALL
          SELECT -1 AS sign, o.* FROM old_rows o WHERE buffalo_counts_as_revenue(o.kind, o.status)) changed
    HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM buffalo_revenue_rollup_add(array_agg(-1), array_agg(currency::text), array_agg(source),
              array_agg(occurred_at), array_agg(amount_cents), array_agg(refunded_cents))
    FROM old_rows WHERE buffalo_counts_as_revenue(kind, status)
    HAVING count(*) > 0;
  ELSE -- TRUNCATE (it waits for every other writer, so only this transaction can have staged rows)
    DELETE FROM revenue_rollup_pending WHERE xact = pg_current_xact_id();
    DELETE FROM revenue_rollup;
    DELETE FROM revenue_rollup_daily;
  END IF;
  RETURN NULL;
END
$$;

-- PostgreSQL allows transition tables only on single-event triggers, hence one trigger per event.
CREATE TRIGGER payments_revenue_rollup_insert AFTER INSERT ON payments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_revenue_rollup_apply();
CREATE TRIGGER payments_revenue_rollup_update AFTER UPDATE ON payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_revenue_rollup_apply();
CREATE TRIGGER payments_revenue_rollup_delete AFTER DELETE ON payments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION buffalo_revenue_rollup_apply();
CREATE TRIGGER payments_revenue_rollup_truncate AFTER TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION buffalo_revenue_rollup_apply();

-- Payments written before this migration. CREATE TRIGGER holds a lock that blocks writers until
-- the migration commits, so no write slips between the triggers and this backfill.
INSERT INTO revenue_rollup SELECT * FROM revenue_rollup_expected;
INSERT INTO revenue_rollup_daily SELECT * FROM revenue_rollup_daily_expected;

-- Down Migration
DROP TRIGGER payments_revenue_rollup_truncate ON payments;
DROP TRIGGER payments_revenue_rollup_delete ON payments;
DROP TRIGGER payments_revenue_rollup_update ON payments;
DROP TRIGGER payments_revenue_rollup_insert ON payments;
DROP FUNCTION buffalo_revenue_rollup_apply();
DROP FUNCTION buffalo_revenue_rollup_add(int[], text[], text[], timestamptz[], bigint[], bigint[]);
DROP TRIGGER revenue_rollup_flush_at_commit ON revenue_rollup_flush;
DROP FUNCTION buffalo_revenue_rollup_flush();
DROP TABLE revenue_rollup_flush;
DROP TABLE revenue_rollup_pending;
DROP VIEW revenue_rollup_daily_expected;
DROP VIEW revenue_rollup_expected;
DROP TABLE revenue_rollup_daily;
DROP FUNCTION buffalo_add_arrays(bigint[], bigint[]);
DROP TABLE revenue_rollup;
DROP FUNCTION buffalo_counts_as_revenue(text, text);
