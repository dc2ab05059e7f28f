-- Up Migration
-- Who is refreshing a shared token right now. A refresh is claimed by a row (not held by a
-- transaction or an advisory lock) so that no database connection stays checked out while the
-- upstream answers the login — a login that waits on a rate limit would otherwise pin a
-- connection per account, and a thousand accounts starve the pool. A claim whose holder died
-- expires at `until`.
CREATE TABLE token_refresh_claims (
  key     text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
  holder  uuid        NOT NULL,
  until   timestamptz NOT NULL
);

-- Down Migration
DROP TABLE token_refresh_claims;
