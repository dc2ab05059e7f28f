-- Up Migration
-- Unified contacts, calendar events and ad campaigns, upserted on (source, external_id)
-- by the ingest processor. `source_updated_at` guards against out-of-order updates; `updated_at`
-- (with id) is the keyset of the data endpoints.
CREATE TABLE contacts (
  id                  bigserial   PRIMARY KEY,
  source              text        NOT NULL,
  external_id         text        NOT NULL,
  email               text,
  first_name          text,
  last_name           text,
  phone               text,
  company             text,
  lifecycle_stage     text,
  source_updated_at   timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
CREATE INDEX contacts_updated_at ON contacts (updated_at, id);
CREATE INDEX contacts_source_updated_at ON contacts (source, updated_at, id);

CREATE TABLE calendar_events (
  id                  bigserial   PRIMARY KEY,
  source              text        NOT NULL,
  external_id         text        NOT NULL,
  calendar_id         text        NOT NULL,
  -- confirmed | tentative | cancelled (a cancelled event keeps its row and its last known fields)
  status              text        NOT NULL,
  summary             text,
  starts_at           timestamptz,
  ends_at             timestamptz,
  all_day             boolean,
  source_updated_at   timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
CREATE INDEX calendar_events_updated_at ON calendar_events (updated_at, id);
CREATE INDEX calendar_events_source_updated_at ON calendar_events (source, updated_at, id);

CREATE TABLE campaigns (
  id                  bigserial   PRIMARY KEY,
  source              text        NOT NULL,
  external_id         text        NOT NULL,
  name                text        NOT NULL,
  status              text        NOT NULL,
  budget_cents        bigint      NOT NULL CHECK (budget_cents >= 0),
  impressions         bigint      NOT NULL DEFAULT 0,
  clicks              bigint      NOT NULL DEFAULT 0,
  conversions         bigint      NOT NULL DEFAULT 0,
  -- When the campaign was created upstream.
  source_created_at   timestamptz NOT NULL,
  -- Last successful POST /api/campaigns/:id/sync (seeds 002/004); null until one succeeds.
  synced_at           timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
CREATE INDEX campaigns_updated_at ON campaigns (updated_at, id);
CREATE INDEX campaigns_source_updated_at ON campaigns (source, updated_at, id);

-- Down Migration
DROP TABLE campaigns;
DROP TABLE calendar_events;
DROP TABLE contacts;
