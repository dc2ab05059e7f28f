-- Up Migration
-- The latest raw payload of every upstream record, in the upstream's own shape, written by the
-- processor in the transaction that upserts the record's unified row and guarded by the same
-- version rule, so `buffalo renormalize` can re-derive rows after a normalizer change without
-- refetching. One row per record (the newest state): bounded by the number of records.
-- A Stripe event is kept as the state of its data.object (entity charge/refund, the object's id).
CREATE TABLE raw_records (
  source       text        NOT NULL,
  entity       text        COLLATE "C" NOT NULL,
  external_id  text        COLLATE "C" NOT NULL,
  payload      jsonb       NOT NULL,
  -- The version of the unified row this payload normalized to (connectors' versions.ts);
  -- byte-ordered like source_version. Null: unknown, which never replaces a known one.
  version      text        COLLATE "C",
  -- sha256 of the canonical JSON of payload: an identical state is not rewritten.
  hash         text        NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, entity, external_id)
);

-- Down Migration
DROP TABLE raw_records;
