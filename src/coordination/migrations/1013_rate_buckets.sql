-- Up Migration
-- State that every process shares about one upstream account (see docs/rate-limits.md).
--
-- rate_buckets: one token bucket per key (e.g. 'connection:stripe-default'), so N worker
-- processes syncing the same account together stay under that account's rate limit, and a 429
-- seen by one of them pauses all of them. Times are epoch ms of the clock the gates are built
-- on (or of the database's clock, by choice of the gate); tokens go negative while callers hold
-- reservations of future slots (tokens = -3: three callers are waiting for their turn).
CREATE TABLE rate_buckets (
  key                 text             PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
  tokens              double precision NOT NULL,
  refilled_at         double precision NOT NULL,
  paused_until        double precision NOT NULL DEFAULT 0,
  throttled_in_a_row  integer          NOT NULL DEFAULT 0,
  -- Bumped by every pause: a caller whose reservation predates it takes a new one.
  pause_epoch         bigint           NOT NULL DEFAULT 0,
  updated_at          timestamptz      NOT NULL DEFAULT now()
);

-- shared_tokens: the last access token fetched for a key (e.g. 'connection:gcal-default'), so
-- one refresh serves every process. Sealed (AES-256-GCM, src/connections) — never in clear.
CREATE TABLE shared_tokens (
  key           text             PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
  token_sealed  text             NOT NULL,
  -- Epoch ms (the refreshing process's clock) after which the token is refreshed / invalid.
  refresh_at    double precision NOT NULL,
  expires_at    double precision NOT NULL,
  refreshes     bigint           NOT NULL DEFAULT 1,
  updated_at    timestamptz      NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE shared_tokens;
DROP TABLE rate_buckets;
