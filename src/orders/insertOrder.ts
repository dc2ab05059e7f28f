/** The order write: order row, lines, first history entry and the order.created outbox job, in one transaction. */
import { randomUUID } from 'node:crypto';
import { singleTransactions, type Pool, type Queryable, type TransactionContext, type TransactionRunner } from '../db/index.ts';
import { announceJobs } from '../queue/index.ts';
import { newOrderEvent, orderEventStatements, SUBSCRIPTIONS, type OrderEvent } from './orderEvents.ts';
import { INITIAL_STATUS } from './orderStatus.ts';
import { formatCents } from './parsePrice.ts';
import type { OrderView } from './orderSchemas.ts';

/** One priced line, ready to store. */
export interface PricedLine {
  productId: string;
  quantity: number;
  priceCents: bigint;
}

/** Currency of every order (the API takes no currency; one store, one currency). */
export const ORDER_CURRENCY = 'USD';

/** A fresh order id (generated before the inventory call, which is idempotent by it). */
export function newOrderId(): string {
  return randomUUID();
}

/** Sum of quantity × unit price, exact. */
export function orderTotalCents(lines: readonly PricedLine[]): bigint {
  return lines.reduce((sum, l) => sum + BigInt(l.quantity) * l.priceCents, 0n);
}

// Parent, lines and history in one statement (one round trip); FK checks run at statement end.
const INSERT_SQL = `
WITH o AS (
  INSERT INTO orders (id, customer_id, status, total_cents, currency)
  VALUES ($1, $2, $3, $4, $5)
  RETURNING id, customer_id, status, total_cents, currency, created_at, updated_at
), i AS (
  INSERT INTO order_items (order_id, line_no, product_id, quantity, price_cents)
  SELECT $1, t.ord, t.product_id, t.quantity, t.price_cents
  FROM unnest($6::text[], $7::int[], $8::bigint[]) WITH ORDINALITY AS t(product_id, quantity, price_cents, ord)
), h AS (
  INSERT INTO order_status_history (order_id, from_status, to_status, event_id) VALUES ($1, NULL, $3, $9)
)
SELECT id, customer_id, status, total_cents, currency, created_at, updated_at FROM o`;

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderView['status'];
  total_cents: string;
  currency: string;
  created_at: Date;
  updated_at: Date;
}

/** The API view of an order before its row is written: everything but the database's timestamps. */
export type PendingOrderView = Omit<OrderView, 'createdAt' | 'updatedAt'>;

/**
 * The timestamps {@link PendingOrderView} lacks, as a jsonb SQL expression read from the order's
 * row ($6 = order id), formatted exactly as the API answers them (`Date#toISOString`: UTC,
 * milliseconds truncated like node-postgres's parsing of the timestamp).
 */
export const ORDER_TIMESTAMPS_JSONB = `SELECT jsonb_build_object('createdAt', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) FROM orders WHERE id = $6`;

/**
 * Joins the order's transaction (e.g. to store the API response with it). It must only issue
 * statements — handing their promises to `ctx.alongCommit` — and not await them: the order's
 * statements, these and COMMIT then leave in one write and cost one round trip.
 */
export type BeforeOrderCommit = (tx: Queryable, order: PendingOrderView, ctx: TransactionContext) => void;

/** Options of {@link insertOrder}. */
export interface InsertOrderOptions {
  /** Runs the order's transaction (default: its own; the API shares them, see createGroupCommitter). */
  transactions?: TransactionRunner;
}

/**
 * Write the order and publish order.created through the outbox, atomically (with `beforeCommit`'s
 * writes). The consumers are woken after the commit (coalesced NOTIFY), not by a NOTIFY in the
 * order's own commit: that would serialize every order commit on PostgreSQL's notify lock.
 */
export async function insertOrder(pool: Pool, orderId: string, customerId: string, lines: readonly PricedLine[], beforeCommit?: BeforeOrderCommit, opts: InsertOrderOptions = {}): Promise<OrderView> {
  const run = opts.transactions ?? singleTransactions(pool);
  const written = await run((tx, ctx) => {
    const event = newOrderEvent('order.created', orderId);
    // Nothing is awaited before COMMIT is issued: BEGIN, the order, its job, beforeCommit's
    // statements and COMMIT go out in one write (src/db pool), one round trip instead of two.
    // The transaction awaits them with COMMIT and rolls back if any failed.
    const [insert, ...rest] = orderWriteStatements(orderId, customerId, lines, event, { notify: false }).map((s) => tx.query<OrderRow>(s));
    for (const statement of [insert, ...rest]) ctx.alongCommit(statement as Promise<unknown>);
    if (beforeCommit) beforeCommit(tx, pendingOrderView(orderId, customerId, lines), ctx);
    // Wrapped so the transaction does not wait for it before COMMIT.
    return { insert: insert as Promise<{ rows: OrderRow[] }> };
  });
  const order = toOrderView((await written.insert).rows[0] as OrderRow, lines);
  announceJobs(pool, SUBSCRIPTIONS['order.created']);
  return order;
}

function pendingOrderView(orderId: string, customerId: string, lines: readonly PricedLine[]): PendingOrderView {
  const total = orderTotalCents(lines);
  return {
    id: orderId,
    customerId,
    status: INITIAL_STATUS,
    currency: ORDER_CURRENCY,
    total: formatCents(total),
    totalCents: total.toString(),
    items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, price: formatCents(l.priceCents), priceCents: l.priceCents.toString() })),
  };
}

/**
 * The statements of an order's write, in order: order + lines + history, then its outbox jobs.
 * One owner of that SQL, so the orders bench replays exactly these through pgbench.
 */
export function orderWriteStatements(orderId: string, customerId: string, lines: readonly PricedLine[], event: OrderEvent, opts: { notify?: boolean } = {}): Array<{ name: string; text: string; values: unknown[] }> {
  // Named: each connection parses and plans the CTE once (unnamed, it was planned per order).
  const insert = {
    name: 'buffalo_order_insert',
    text: INSERT_SQL,
    values: [
      orderId,
      customerId,
      INITIAL_STATUS,
      orderTotalCents(lines).toString(),
      ORDER_CURRENCY,
      lines.map((l) => l.productId),
      lines.map((l) => l.quantity),
      lines.map((l) => l.priceCents.toString()),
      event.eventId,
    ],
  };
  return [insert, ...orderEventStatements(event, opts)];
}

function toOrderView(row: OrderRow, lines: readonly PricedLine[]): OrderView {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    currency: row.currency,
    total: formatCents(row.total_cents),
    totalCents: row.total_cents,
    items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, price: formatCents(l.priceCents), priceCents: l.priceCents.toString() })),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
