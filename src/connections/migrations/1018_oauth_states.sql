-- Up Migration
-- OAuth connect flows in progress (GET /connect/:provider → the vendor → the callback). The
-- `state` sent to the vendor is the only thing that authenticates the browser coming back, so
-- only its SHA-256 is kept: a database read gives no usable state. The PKCE verifier must be
-- sent at the code exchange, so it is kept sealed (AES-256-GCM secret box, bound to the state's
-- hash). A state works once (used_at) and for a few minutes (expires_at); rows past their
-- expiry are deleted as new flows start. See docs/connections.md, "Connecting with OAuth".
CREATE TABLE oauth_states (
  state_hash       text        PRIMARY KEY CHECK (state_hash ~ '^[0-9a-f]{64}$'),
  provider         text        NOT NULL CHECK (provider IN ('hubspot', 'gcal')),
  -- The name the connection will get.
  name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  redirect_uri     text        NOT NULL,
  verifier_sealed  text        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  used_at          timestamptz
);
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

-- Down Migration
DROP TABLE oauth_states;
