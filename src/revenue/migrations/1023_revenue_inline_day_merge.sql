-- Up Migration
-- The commit-time flush of 1016, merging daily rows with an inlined 24-slot addition. A daily
-- row that already exists (any day touched by an earlier transaction) was merged through
-- buffalo_add_arrays, a SQL function that unnests and re-aggregates both arrays: it cannot be
-- inlined, so every conflicting daily row ran it three times as a separate query. Daily arrays
-- always hold 24 slots (the tables' CHECK), so the sum can be one array expression the planner
-- inlines into the upsert. Measurements: bench/README.md ("Ingest: third pass").
CREATE FUNCTION buffalo_add_hour_slots(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY[
  a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4], a[5] + b[5], a[6] + b[6], a[7] + b[7], a[8] + b[8],
  a[9] + b[9], a[10] + b[10], a[11] + b[11], a[12] + b[12], a[13] + b[13], a[14] + b[14], a[15] + b[15], a[16] + b[16],
  a[17] + b[17], a[18] + b[18], a[19] + b[19], a[20] + b[20], a[21] + b[21], a[22] + b[22], a[23] + b[23], a[24] + b[24]];

-- 1016's flush, statement for statement (same lock order, same rows written), with the daily
-- merges through buffalo_add_hour_slots.
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
    gross_cents = buffalo_add_hour_slots(d.gross_cents, EXCLUDED.gross_cents),
    refunded_cents = buffalo_add_hour_slots(d.refunded_cents, EXCLUDED.refunded_cents),
    charge_count = buffalo_add_hour_slots(d.charge_count, EXCLUDED.charge_count);

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
    gross_cents = buffalo_add_hour_slots(d.gross_cents, EXCLUDED.gross_cents),
    refunded_cents = buffalo_add_hour_slots(d.refunded_cents, EXCLUDED.refunded_cents),
    charge_count = buffalo_add_hour_slots(d.charge_count, EXCLUDED.charge_count);

  DELETE FROM revenue_rollup_pending WHERE xact = NEW.xact;
  RETURN NULL;
END
$$;

-- Down Migration
-- 1016's flush, merging through buffalo_add_arrays again.
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

DROP FUNCTION buffalo_add_hour_slots(bigint[], bigint[]);
