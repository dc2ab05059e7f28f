-- Up Migration
-- Fair claims across groups (e.g. the ingest outbox's connections): a job may name the group it
-- belongs to, and a batch claim takes a bounded slice from every group with ready jobs instead of
-- the oldest jobs of the whole queue (claimBatch.ts). Jobs without a group (other queues, and the
-- jobs pending when this ran) form one group together, spelled '' in the index.
ALTER TABLE jobs ADD COLUMN group_key text;
ALTER TABLE dead_letters ADD COLUMN group_key text;
-- The fair claim walks this index: one descent per group finds the group and its oldest job
-- (a skip scan), a second one takes the group's slice in run_at order. The expression folds
-- NULL into '' so the walk can step over it with a plain `>` like any other group.
CREATE INDEX jobs_pending_group ON jobs (queue, (COALESCE(group_key, '')), run_at, id) WHERE status = 'pending';

-- Down Migration
DROP INDEX jobs_pending_group;
ALTER TABLE dead_letters DROP COLUMN group_key;
ALTER TABLE jobs DROP COLUMN group_key;
