-- Up Migration
-- A payment deleted upstream (deleted_at set, src/ingest/migrations/1008_deletes.sql) stops
-- counting as revenue in the transaction that marks it, and counts again if it comes back. The
-- rule itself stays in buffalo_counts_as_revenue(kind, status); this overload adds "and not
-- deleted", and every consumer (the rollup trigger, the expected views behind
-- verifyRevenueRollup and rebuildRevenueRollup) calls it. src/revenue/definition.ts names it.
CREATE FUNCTION buffalo_counts_as_revenue(kind text, status text, deleted_at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT deleted_at IS NULL AND buffalo_counts_as_revenue(kind, status) $$;

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
       count(*) FILTER (WHERE q = 3) AS count_45
FROM (SELECT p.*, extract(minute FROM p.occurred_at AT TIME ZONE 'UTC')::int / 15 AS q
      FROM payments p
      WHERE buffalo_counts_as_revenue(p.kind, p.status, p.deleted_at)) counted
GROUP BY 1, 2, 3;

-- The rollup trigger of 0300, with the deleted-aware predicate: marking a counted payment
-- deleted is an UPDATE whose old row counts and new row does not, so it subtracts exactly its
-- contribution (and restoring it adds it back).
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
  ELSE -- TRUNCATE (it waits for every other writer, so only this transaction can have staged rows)
    DELETE FROM revenue_rollup_pending WHERE xact = pg_current_xact_id();
    DELETE FROM revenue_rollup;
    DELETE FROM revenue_rollup_daily;
  END IF;
  RETURN NULL;
END
$$;

-- No payment is deleted yet (the column is new), so the stored rollup is already exact.

-- Down Migration
CREATE OR REPLACE FUNCTION buffalo_revenue_rollup_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
  ELSE
    DELETE FROM revenue_rollup_pending WHERE xact = pg_current_xact_id();
    DELETE FROM revenue_rollup;
    DELETE FROM revenue_rollup_daily;
  END IF;
  RETURN NULL;
END
$$;
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
       count(*) FILTER (WHERE q = 3) AS count_45
FROM (SELECT p.*, extract(minute FROM p.occurred_at AT TIME ZONE 'UTC')::int / 15 AS q
      FROM payments p
      WHERE buffalo_counts_as_revenue(p.kind, p.status)) counted
GROUP BY 1, 2, 3;
DROP FUNCTION buffalo_counts_as_revenue(text, text, timestamptz);
