-- Up Migration
-- Stored responses for Idempotency-Key (docs/architecture.md#idempotency): a key replays its first response for 24 h.
CREATE TABLE idempotency_keys (
  scope          text        NOT NULL,              -- who used the key (API key id / JWT subject) + route
  key            text        NOT NULL,
  request_hash   text        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('in_flight', 'done')),
  response_code  integer,
  response_body  jsonb,
  locked_until   timestamptz NOT NULL,              -- an in-flight claim older than this was abandoned
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- Down Migration
DROP TABLE idempotency_keys;
