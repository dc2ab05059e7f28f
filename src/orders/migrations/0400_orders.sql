-- Up Migration
-- Orders. Money is integer minor units; status moves forward only
-- (enforced by the status consumer's guarded UPDATE, recorded in order_status_history).
CREATE TABLE orders (
  id           uuid        PRIMARY KEY,
  -- The JWT subject that placed the order (customerId must equal it).
  customer_id  text        NOT NULL,
  status       text        NOT NULL DEFAULT 'Pending Shipment'
                           CHECK (status IN ('Pending Shipment', 'Shipped', 'Delivered')),
  total_cents  bigint      NOT NULL CHECK (total_cents > 0),
  currency     text        NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC);
-- /api/metrics counts orders by status; an index-only scan keeps that cheap.
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_items (
  order_id     uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line_no      integer     NOT NULL CHECK (line_no >= 1),
  product_id   text        NOT NULL,
  quantity     integer     NOT NULL CHECK (quantity > 0),
  price_cents  bigint      NOT NULL CHECK (price_cents > 0),
  PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_status_history (
  id           bigserial   PRIMARY KEY,
  order_id     uuid        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  -- NULL for the creation entry.
  from_status  text,
  to_status    text        NOT NULL,
  -- The event that caused the transition (order.created for the first entry).
  event_id     uuid        NOT NULL,
  at           timestamptz NOT NULL DEFAULT now()
);
-- Forward-only means each status is entered at most once per order; the index makes a
-- violation of that rule an error instead of a silent duplicate.
CREATE UNIQUE INDEX order_status_history_once ON order_status_history (order_id, to_status);

-- Consumer idempotency: an event id a consumer has applied (inserted in the same transaction
-- as the consumer's effects, so "processed" and "effects written" cannot disagree).
CREATE TABLE processed_events (
  consumer     text        NOT NULL,
  event_id     uuid        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Down Migration
DROP TABLE processed_events;
DROP TABLE order_status_history;
DROP TABLE order_items;
DROP TABLE orders;
