-- Up Migration
-- Connections: one account of one upstream (a Stripe account, a HubSpot portal, a Google
-- calendar, an ad-platform client), each with its own credentials, cursors, runs, schedule and
-- rate limit. Every ingestion table scopes its state by connection_id. The environment's
-- credentials are each provider's `default` connection (id '<provider>-default', credentials
-- NULL: read from the configuration), so a single-account setup needs no row of its own.
-- See docs/connections.md.
CREATE TABLE connections (
  id                  text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  provider            text        NOT NULL CHECK (provider IN ('stripe', 'hubspot', 'gcal', 'adplatform')),
  name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  status              text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'broken')),
  -- Why a connection is broken (e.g. its token refresh was refused); null otherwise.
  status_reason       text,
  -- Scheduled incremental syncs every this many ms; null: the configured SYNC_INTERVAL_MS.
  sync_interval_ms    integer     CHECK (sync_interval_ms BETWEEN 1000 AND 86400000),
  -- Provider settings that are not secret (e.g. a calendar id, an API base URL).
  settings            jsonb       NOT NULL DEFAULT '{}',
  -- Credentials sealed with AES-256-GCM under the key named by credentials_key_id
  -- (src/connections/secretBox.ts); never stored or logged in clear. NULL: the environment's.
  credentials_sealed  text,
  credentials_key_id  text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, name),
  CHECK ((credentials_sealed IS NULL) = (credentials_key_id IS NULL))
);
CREATE INDEX connections_provider_status ON connections (provider, status);

INSERT INTO connections (id, provider, name) VALUES
  ('stripe-default', 'stripe', 'default'),
  ('hubspot-default', 'hubspot', 'default'),
  ('gcal-default', 'gcal', 'default'),
  ('adplatform-default', 'adplatform', 'default');

-- Down Migration
DROP TABLE connections;
