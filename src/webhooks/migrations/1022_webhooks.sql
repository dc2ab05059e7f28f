-- Up Migration
-- Outbound webhooks (docs/webhooks.md): subscriptions of receivers to Buffalo's events, and one
-- delivery row per (event, subscription). The delivery's sending, retries and dead letters ride
-- on the queue core's jobs (queue 'webhooks.delivery'); this table is what the API shows.
CREATE TABLE webhook_subscriptions (
  id             text        PRIMARY KEY CHECK (id ~ '^whsub_[0-9a-f]{24}$'),
  url            text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events         text[]      NOT NULL CHECK (cardinality(events) > 0),
  -- Only this connection's events; null: every connection's. Not a foreign key: removing a
  -- connection leaves the subscription in place (it simply matches nothing more).
  connection_id  text        CHECK (connection_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  description    text        CHECK (length(description) <= 500),
  -- The signing secret, sealed by the secret box (AES-256-GCM, bound to the subscription id);
  -- never stored in clear. Its key id says which key opens it (for rotate-key).
  secret_sealed  text        NOT NULL,
  secret_key_id  text        NOT NULL,
  -- disabled: the receiver answered 410 Gone; nothing more is sent to it.
  status         text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  status_reason  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
-- emitWebhookEvent's one query: the active subscriptions whose events contain the type.
CREATE INDEX webhook_subscriptions_events ON webhook_subscriptions USING gin (events) WHERE status = 'active';

CREATE TABLE webhook_deliveries (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- A deleted subscription takes its deliveries with it: the pending ones are then dropped.
  subscription_id  text        NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  connection_id    text,
  -- The exact JSON body sent (the envelope); every attempt signs these bytes with a fresh timestamp.
  body             text        NOT NULL,
  status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_http_status integer,
  -- Short and scrubbed: a receiver's response body is never kept beyond this excerpt.
  last_error       text        CHECK (length(last_error) <= 300),
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_attempt_at  timestamptz,
  delivered_at     timestamptz,
  UNIQUE (subscription_id, event_id)
);
-- GET /webhook-subscriptions/:id/deliveries: newest first, keyset on id.
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id DESC);

-- Down Migration
DROP TABLE IF EXISTS webhook_deliveries;
DROP TABLE IF EXISTS webhook_subscriptions;
