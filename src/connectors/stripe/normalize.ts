/**
 * Stripe raw records → unified rows (pure). Entities: 'charge', 'refund', and 'event' (an Events
 * API record whose `data.object` is a charge or refund; its `created` is the row's
 * sourceUpdatedAt, and its `created` + id the row's sourceVersion). A listed charge or refund
 * carries no version of its own: the connector stamps the raw record with the time of the read.
 * 'deleted': `{id, object, deleted: true}`, an object Stripe answered missing for
 * (./deletedRecord.ts): its payment row is marked deleted.
 */
import { NormalizeError, type PaymentRow, type PaymentStatus, type RawRecord, type UnifiedRecord } from '../contract.ts';
import { chargeEventSchema, chargeSchema, deletedObjectSchema, eventEnvelopeSchema, refundEventSchema, refundSchema, type StripeCharge, type StripeRefund } from './schemas.ts';
import { chargeStatus, refundStatus } from './statusMap.ts';
import { stripeEventVersion } from '../versions.ts';

const iso = (unixS: number) => new Date(unixS * 1000).toISOString();

/** A charge as a payment row. */
export function chargeToRow(c: StripeCharge, sourceUpdatedAt: string | null = null, sourceVersion: string | null = null): PaymentRow {
  return {
    source: 'stripe',
    externalId: c.id,
    kind: 'charge',
    status: statusOfCharge(c),
    rawStatus: c.status,
    amountCents: String(c.amount),
    refundedCents: String(c.amount_refunded),
    currency: c.currency.toUpperCase(),
    occurredAt: iso(c.created),
    customerRef: c.customer ?? c.billing_details?.email ?? null,
    parentExternalId: null,
    sourceUpdatedAt,
    sourceVersion,
  };
}

/** A refund as a payment row of kind 'refund' belonging to its charge. */
export function refundToRow(r: StripeRefund, sourceUpdatedAt: string | null = null, sourceVersion: string | null = null): PaymentRow {
  return {
    source: 'stripe',
    externalId: r.id,
    kind: 'refund',
    status: refundStatus(r.status),
    rawStatus: r.status,
    amountCents: String(r.amount),
    refundedCents: '0',
    currency: r.currency.toUpperCase(),
    occurredAt: iso(r.created),
    customerRef: null,
    parentExternalId: r.charge,
    sourceUpdatedAt,
    sourceVersion,
  };
}

function statusOfCharge(c: StripeCharge): PaymentStatus {
  return chargeStatus({ status: c.status, captured: c.captured, refunded: c.refunded, amount: c.amount, amountRefunded: c.amount_refunded });
}

/** Normalize one Stripe record; throws ZodError (naming the field) for a malformed one. */
export function normalizeStripe(entity: string, payload: unknown): UnifiedRecord[] {
  switch (entity) {
    case 'charge':
      return [{ table: 'payments', row: chargeToRow(chargeSchema.parse(payload)) }];
    case 'refund':
      return [{ table: 'payments', row: refundToRow(refundSchema.parse(payload)) }];
    case 'event':
      return normalizeEvent(payload);
    case 'deleted': {
      const d = deletedObjectSchema.parse(payload);
      // Its version is the read's, stamped on the job (the pipeline fills it in).
      return [{ table: 'deletions', row: { table: 'payments', source: 'stripe', externalId: d.id, deletedAt: null, sourceVersion: null } }];
    }
    default:
      throw new NormalizeError(`stripe: unknown entity ${JSON.stringify(entity)}`);
  }
}

function normalizeEvent(payload: unknown): UnifiedRecord[] {
  const kind = eventEnvelopeSchema.parse(payload).data.object.object;
  if (kind === 'charge') {
    const e = chargeEventSchema.parse(payload);
    return [{ table: 'payments', row: chargeToRow(e.data.object, iso(e.created), stripeEventVersion(e.created, e.id)) }];
  }
  if (kind === 'refund') {
    const e = refundEventSchema.parse(payload);
    return [{ table: 'payments', row: refundToRow(e.data.object, iso(e.created), stripeEventVersion(e.created, e.id)) }];
  }
  // Other event types carry nothing the payments table holds.
  return [];
}

/** The raw status of a record the allow-list maps to UNKNOWN (null when mapped or unreadable). */
export function unmappedStripeStatus(entity: string, payload: unknown): string | null {
  try {
    for (const rec of normalizeStripe(entity, payload)) {
      if (rec.table === 'payments' && rec.row.status === 'UNKNOWN') return rec.row.rawStatus;
    }
  } catch {
    // A malformed record is reported by normalize (DLQ), not here.
  }
  return null;
}

/**
 * The record a Stripe raw record is the state of: an event is a state of its `data.object` (kept
 * in the object's own shape, under its own entity and id, so it replaces and is replaced by the
 * listed object by version alone); an event about anything else is the state of no stored row.
 */
export function stripeOwnRecord(record: RawRecord): RawRecord | null {
  if (record.entity !== 'event') return record;
  const parsed = eventEnvelopeSchema.safeParse(record.payload);
  if (!parsed.success) return null;
  const kind = parsed.data.data.object.object;
  const object = (record.payload as { data: { object: { id?: unknown } } }).data.object;
  if ((kind !== 'charge' && kind !== 'refund') || typeof object.id !== 'string') return null;
  return { entity: kind, externalId: object.id, payload: object };
}
