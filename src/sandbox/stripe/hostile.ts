/** Where hostile content goes in Stripe's wire objects: customer-typed fields of a charge, alone or inside an event. */
import type { HostileTarget } from '../common/index.ts';

/** Customer-typed fields of a charge (free text a merchant or buyer types). */
export const CHARGE_HOSTILE_FIELDS = ['description', 'billing_details.name', 'metadata.note'] as const;

/** The charge inside a served item (a charge, or an event carrying one), if any. */
export function stripeHostileTarget(item: Record<string, unknown>): HostileTarget | null {
  if (item.object === 'charge' && typeof item.id === 'string') return { id: item.id, fields: CHARGE_HOSTILE_FIELDS };
  const inner = item.object === 'event' ? (item.data as { object?: { object?: unknown; id?: unknown } } | undefined)?.object : undefined;
  if (inner?.object === 'charge' && typeof inner.id === 'string') return { id: inner.id, fields: CHARGE_HOSTILE_FIELDS, at: 'data.object' };
  return null;
}
