/** Zod schemas of the order API (they also generate its OpenAPI document). */
import { z } from 'zod';
import { ORDER_STATUSES } from './orderStatus.ts';
import { tryParsePrice } from './parsePrice.ts';

/** Most lines one order may have. */
export const MAX_ITEMS = 100;
/** Most units of one line. */
export const MAX_QUANTITY = 10_000;

const id = (what: string) => z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, { message: `${what} must be printable ASCII without spaces` });

// Kept as sent (number or string) so the Idempotency-Key fingerprint sees the client's bytes;
// the handler converts with parsePriceCents after this check passed.
const price = z
  .union([z.number(), z.string()])
  .superRefine((value, ctx) => {
    const r = tryParsePrice(value);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  })
  .meta({ description: 'Unit price > 0 with at most 2 decimals, as a JSON number or a decimal string ("19.99").', examples: [19.99, '19.99'] });

/** One line of a new order. */
export const orderItemInput = z.strictObject({
  productId: id('productId'),
  quantity: z.int().min(1).max(MAX_QUANTITY),
  price,
});

/** Body of POST /api/orders. */
export const createOrderBody = z.strictObject({
  customerId: id('customerId').meta({ description: 'Must equal the bearer token subject.' }),
  items: z.array(orderItemInput).min(1).max(MAX_ITEMS),
});
/** A validated POST /api/orders body. */
export type CreateOrderBody = z.infer<typeof createOrderBody>;

/** Path params of GET /api/orders/:id. */
export const orderIdParams = z.object({ id: z.uuid() });

const statusEnum = z.enum(ORDER_STATUSES);

/** One stored order line. */
export const orderItemView = z.object({
  productId: z.string(),
  quantity: z.number().int(),
  price: z.string().meta({ description: 'Decimal string, e.g. "19.99".' }),
  priceCents: z.string().meta({ description: 'Integer minor units as a string.' }),
});

/** One status change. */
export const statusChangeView = z.object({
  from: statusEnum.nullable(),
  to: statusEnum,
  eventId: z.string(),
  at: z.string(),
});

/** An order as the API returns it. */
export const orderView = z.object({
  id: z.uuid(),
  customerId: z.string(),
  status: statusEnum,
  currency: z.string(),
  total: z.string(),
  totalCents: z.string().meta({ description: 'Integer minor units as a string (exact).' }),
  items: z.array(orderItemView),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** The API view of an order. */
export type OrderView = z.infer<typeof orderView>;

/** An order with its status history (GET /api/orders/:id). */
export const orderWithHistoryView = orderView.extend({ history: z.array(statusChangeView) });
/** The API view with history. */
export type OrderWithHistoryView = z.infer<typeof orderWithHistoryView>;

/** Error body (documentation only). */
export const errorView = z.object({ error: z.string(), message: z.string() }).loose();
