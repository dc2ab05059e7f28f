/**
 * zod schemas of the Stripe objects the connector reads (only the fields it uses; the rest of
 * the payload is kept raw in the outbox). A poison record fails with a ZodError naming the field.
 */
import { z } from 'zod';

const unixSeconds = z.number().int().nonnegative();
const minorUnits = z.number().int().nonnegative();
const currency = z.string().regex(/^[A-Za-z]{3}$/, { message: 'expected a 3-letter ISO currency code' });
// `customer` is an id, null, or an expanded object.
const customerRef = z.union([z.string(), z.null(), z.object({ id: z.string() }).transform((c) => c.id)]).optional();

/** A Stripe Charge. */
export const chargeSchema = z.object({
  id: z.string().min(1),
  object: z.literal('charge'),
  amount: minorUnits,
  amount_refunded: minorUnits.default(0),
  captured: z.boolean().default(true),
  refunded: z.boolean().default(false),
  currency,
  status: z.string().min(1),
  created: unixSeconds,
  customer: customerRef,
  billing_details: z.object({ email: z.string().nullable().optional() }).nullable().optional(),
});
/** A parsed Stripe Charge. */
export type StripeCharge = z.infer<typeof chargeSchema>;

/** A Stripe Refund. */
export const refundSchema = z.object({
  id: z.string().min(1),
  object: z.literal('refund'),
  amount: minorUnits,
  charge: z.union([z.string().min(1), z.object({ id: z.string().min(1) }).transform((c) => c.id)]),
  currency,
  status: z.string().min(1),
  created: unixSeconds,
});
/** A parsed Stripe Refund. */
export type StripeRefund = z.infer<typeof refundSchema>;

/** The envelope of a Stripe Event (its `data.object` is checked per object type). */
export const eventEnvelopeSchema = z.object({
  id: z.string().min(1),
  object: z.literal('event'),
  type: z.string().min(1),
  created: unixSeconds,
  data: z.object({ object: z.looseObject({ object: z.string() }) }),
});

/** An event carrying a charge. */
export const chargeEventSchema = eventEnvelopeSchema.extend({ data: z.object({ object: chargeSchema }) });
/** An event carrying a refund. */
export const refundEventSchema = eventEnvelopeSchema.extend({ data: z.object({ object: refundSchema }) });

/** Stripe's shape of a deleted object (here: one it answered `resource_missing` for). */
export const deletedObjectSchema = z.object({ id: z.string().min(1), object: z.enum(['charge', 'refund']), deleted: z.literal(true) });
