-- Up Migration
-- A run report's notes: sentences the connectors add about a run (e.g. paging stopped at the
-- upstream's own total although it claimed more pages). Existing runs have none.
ALTER TABLE sync_runs ADD COLUMN notes jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Down Migration
ALTER TABLE sync_runs DROP COLUMN notes;
