/**
 * The inventory service client: `POST /inventory/reserve {orderId, items}` through the
 * inventory policy (breaker: 5 failures → open 30 s; 5 s timeout). The reservation is
 * idempotent by orderId on the service side, so a retried call cannot reserve twice.
 * Failures map to the API's answers: breaker open or service down → 503
 * inventory_unavailable with `retryAfter`; not enough stock → 409 out_of_stock; a product the
 * service does not know → 422 unknown_product (the request names something that does not exist,
 * so unlike out of stock no retry can succeed).
 */
import { AppError } from '../errors.ts';
import { CircuitOpenError, requestJson, UpstreamHttpError, type UpstreamPolicy } from '../resilience/index.ts';

/** A line to reserve. */
export interface ReserveLine {
  productId: string;
  quantity: number;
}

/** Reserves stock for an order; throws AppError (409 out_of_stock, 422 unknown_product, 503 inventory_unavailable, 502). */
export interface InventoryClient {
  readonly policy: UpstreamPolicy;
  reserve(orderId: string, items: readonly ReserveLine[]): Promise<void>;
  /** Give a reservation back (the order write failed after stock was reserved). Never throws. */
  release(orderId: string): Promise<boolean>;
}

interface Refusal {
  available?: boolean;
  productId?: string;
  requested?: number;
  inStock?: number;
  reason?: string;
}

/** Build the client for the service at `baseUrl`, calling through `policy`. */
export function createInventoryClient(opts: { baseUrl: string; policy: UpstreamPolicy }): InventoryClient {
  const url = new URL('/inventory/reserve', opts.baseUrl).toString();
  const releaseUrl = new URL('/inventory/release', opts.baseUrl).toString();
  const { policy } = opts;
  return {
    policy,
    async reserve(orderId, items) {
      let body: Refusal | undefined;
      try {
        const res = await requestJson<Refusal>(policy, { method: 'POST', url, body: { orderId, items: items.map(({ productId, quantity }) => ({ productId, quantity })) } });
        body = res.body;
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 409) body = (err.body ?? {}) as Refusal;
        else throw toUnavailable(err, policy);
      }
      if (body && body.available === false) throw refusal(body);
    },
    async release(orderId) {
      try {
        await requestJson(policy, { method: 'POST', url: releaseUrl, body: { orderId } });
        return true;
      } catch {
        // Best effort: a reservation we fail to release is held stock, not a wrong order.
        return false;
      }
    },
  };
}

function refusal(r: Refusal): AppError {
  const product = r.productId ?? 'unknown';
  if (r.reason === 'unknown_product') return new AppError('unknown_product', `items: product ${product} does not exist`, { details: { field: 'items', productId: product } });
  return new AppError('out_of_stock', `product ${product} is out of stock`, { details: { productId: product, requested: r.requested ?? null, available: r.inStock ?? 0 } });
}

// Anything that is not an answer about stock means we cannot know: refuse with 503 and tell
// the client when the breaker will let a probe through (at least 1 s).
function toUnavailable(err: unknown, policy: UpstreamPolicy): AppError {
  if (err instanceof UpstreamHttpError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
    return new AppError('upstream_failed', `inventory service rejected the reservation (HTTP ${err.status})`, { cause: err });
  }
  const waitMs = err instanceof CircuitOpenError ? err.retryAfterMs : policy.breakerRetryAfterMs();
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  const message = err instanceof CircuitOpenError ? 'inventory service is unavailable (circuit open); retry later' : 'inventory service did not answer; retry later';
  return new AppError('inventory_unavailable', message, { cause: err, details: { retryAfter } });
}
