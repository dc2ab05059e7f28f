-- Up Migration
-- One row per reconciliation of a source against its upstream (src/reconcile): what was asked
-- (repair or not, by whom), its lifecycle, and the comparison's counts and samples. The counts
-- are columns so the dashboard, /readyz and the daily summary read the last result cheaply.
CREATE TABLE reconciliations (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  source       text        NOT NULL,
  repair       boolean     NOT NULL DEFAULT false,
  trigger      text        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  missing      integer,
  extra        integer,
  different    integer,
  result       jsonb,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX reconciliations_source_created ON reconciliations (source, created_at DESC);

-- Down Migration
DROP TABLE reconciliations;
