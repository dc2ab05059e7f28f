/** Reading an order with its lines and status history, scoped to the customer who owns it. */
import type { Queryable } from '../db/index.ts';
import type { OrderStatus } from './orderStatus.ts';
import type { OrderWithHistoryView } from './orderSchemas.ts';
import { formatCents } from './parsePrice.ts';

const READ_SQL = `
SELECT o.id, o.customer_id, o.status, o.total_cents, o.currency, o.created_at, o.updated_at,
  (SELECT COALESCE(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity, 'priceCents', i.price_cents::text) ORDER BY i.line_no), '[]')
     FROM order_items i WHERE i.order_id = o.id) AS items,
  (SELECT COALESCE(json_agg(json_build_object('from', h.from_status, 'to', h.to_status, 'eventId', h.event_id, 'at', h.at) ORDER BY h.id), '[]')
     FROM order_status_history h WHERE h.order_id = o.id) AS history
FROM orders o
WHERE o.id = $1 AND o.customer_id = $2`;

interface Row {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total_cents: string;
  currency: string;
  created_at: Date;
  updated_at: Date;
  items: Array<{ productId: string; quantity: number; priceCents: string }>;
  history: Array<{ from: OrderStatus | null; to: OrderStatus; eventId: string; at: string }>;
}

/**
 * The order `id` if it belongs to `customerId`, else null — a foreign order is reported exactly
 * like a missing one so ids of other customers cannot be probed.
 */
export async function readOrder(db: Queryable, id: string, customerId: string): Promise<OrderWithHistoryView | null> {
  const { rows } = await db.query<Row>(READ_SQL, [id, customerId]);
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    customerId: r.customer_id,
    status: r.status,
    currency: r.currency,
    total: formatCents(r.total_cents),
    totalCents: r.total_cents,
    items: r.items.map((i) => ({ productId: i.productId, quantity: i.quantity, price: formatCents(i.priceCents), priceCents: i.priceCents })),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    history: r.history.map((h) => ({ from: h.from, to: h.to, eventId: h.eventId, at: new Date(h.at).toISOString() })),
  };
}
