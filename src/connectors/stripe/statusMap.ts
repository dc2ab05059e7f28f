/**
 * Allow-lists from Stripe statuses to unified payment statuses (docs/architecture.md#data-flow-ingestion). Anything not listed is
 * UNKNOWN: never counted as revenue, and reported in the run.
 */
import type { PaymentStatus } from '../contract.ts';

/** The charge fields that decide its unified status. */
export interface ChargeStatusInput {
  status: string;
  captured: boolean;
  refunded: boolean;
  amount: number;
  amountRefunded: number;
}

/**
 * Charge → status. A fully refunded charge is REFUNDED; a partially refunded one stays
 * COLLECTED (its refunded part travels in refundedCents); a succeeded but uncaptured charge is
 * only an authorization, so PENDING.
 */
export function chargeStatus(c: ChargeStatusInput): PaymentStatus {
  switch (c.status) {
    case 'succeeded':
      if (c.refunded || (c.amount > 0 && c.amountRefunded >= c.amount)) return 'REFUNDED';
      return c.captured ? 'COLLECTED' : 'PENDING';
    case 'pending':
      return 'PENDING';
    case 'failed':
      return 'FAILED';
    default:
      return 'UNKNOWN';
  }
}

const REFUND_STATUS: Readonly<Record<string, PaymentStatus>> = {
  succeeded: 'REFUNDED',
  pending: 'PENDING',
  requires_action: 'PENDING',
  failed: 'FAILED',
  canceled: 'FAILED',
};

/** Refund → status: REFUNDED once the money went back, PENDING on the way, FAILED when it never will. */
export function refundStatus(status: string): PaymentStatus {
  return Object.hasOwn(REFUND_STATUS, status) ? (REFUND_STATUS[status] as PaymentStatus) : 'UNKNOWN';
}
