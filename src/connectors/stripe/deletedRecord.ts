/**
 * Stripe objects the API no longer knows. Stripe answers a read of a deleted object (or of one a
 * test-mode data reset removed) with `resource_missing`: 404 for a retrieve, 400 naming the
 * parameter for a list filtered by it. Such an answer becomes a record in Stripe's own shape of
 * a deleted object, `{id, object, deleted: true}`, which normalizes to "this payment is deleted"
 * (./normalize.ts), versioned by when the request was sent so that no older state in flight
 * brings it back.
 */
import { UpstreamHttpError } from '../../resilience/index.ts';
import type { RawRecord } from '../contract.ts';
import { stripeReadVersion } from '../versions.ts';

/** The outbox entity of a deleted Stripe object. */
export const DELETED_ENTITY = 'deleted';

/** True when `err` is Stripe saying the object read (or named by `param`) does not exist. */
export function isResourceMissing(err: unknown, param?: string): boolean {
  if (!(err instanceof UpstreamHttpError)) return false;
  const raw = (err.body as { error?: { code?: unknown; param?: unknown } } | undefined)?.error;
  if (raw?.code !== 'resource_missing') return err.status === 404 && raw === undefined;
  return err.status === 404 || (err.status === 400 && param !== undefined && raw.param === param);
}

/** The record of a `charge` or `refund` Stripe answered missing for, read at `sentAtMs`. */
export function deletedRecord(object: 'charge' | 'refund', id: string, sentAtMs: number): RawRecord {
  return { entity: DELETED_ENTITY, externalId: id, payload: { id, object, deleted: true }, version: stripeReadVersion(sentAtMs) };
}
