-- Up Migration
-- Unified payments: one row per upstream charge (Stripe charge, HubSpot deal) or
-- refund, upserted on (source, external_id). Money in integer minor units.
CREATE TABLE payments (
  id                  bigserial   PRIMARY KEY,
  source              text        NOT NULL,
  external_id         text        NOT NULL,
  kind                text        NOT NULL CHECK (kind IN ('charge', 'refund')),
  -- Allow-listed status; anything unmapped is UNKNOWN and never counts as revenue.
  status              text        NOT NULL CHECK (status IN ('COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN')),
  raw_status          text        NOT NULL,
  amount_cents        bigint      NOT NULL CHECK (amount_cents >= 0),
  -- For charges: how much of this charge has been refunded so far (Stripe amount_refunded).
  refunded_cents      bigint      NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
  currency            char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- When the money moved (charge created / deal close date): the date revenue is reported on.
  occurred_at         timestamptz NOT NULL,
  customer_ref        text,
  -- For refunds: the charge they belong to.
  parent_external_id  text,
  source_updated_at   timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id)
);
CREATE INDEX payments_updated_at ON payments (updated_at, id);
CREATE INDEX payments_source_updated_at ON payments (source, updated_at, id);

-- Down Migration
DROP TABLE payments;
