/**
 * Webhook delivery as Stripe does it: every new event is POSTed as JSON to each registered
 * endpoint with `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`; a
 * non-2xx answer, a network error or a timeout is retried with exponential backoff up to a
 * bounded number of attempts. Retry timing is wall time (signatures must carry a real timestamp).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { StripeEvent } from './data.ts';

/** A registered endpoint. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  secret: string;
}

/** One event's delivery to one endpoint. */
export interface Delivery {
  eventId: string;
  eventType: string;
  endpointId: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: Array<{ at: string; status: number | null; error?: string }>;
  nextAttemptAt: number;
}

/** Options of the dispatcher. */
export interface WebhookOptions {
  /** First retry delay (ms), doubling per attempt. Default 1000. */
  retryBaseMs?: number;
  /** Cap on a retry delay (ms). Default 60 000. */
  retryMaxMs?: number;
  /** Attempts per delivery including the first. Default 8. */
  maxAttempts?: number;
  /** Per-attempt timeout (ms). Default 10 000. */
  timeoutMs?: number;
}

/** The `Stripe-Signature` header value for `payload` signed at `t` (unix seconds). */
export function signStripePayload(payload: string, secret: string, t: number): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Registry of endpoints plus the delivery queue. */
export interface WebhookDispatcher {
  register(url: string, secret?: string): WebhookEndpoint;
  unregister(id: string): boolean;
  endpoints(): WebhookEndpoint[];
  /** Queue `event` for every endpoint and start delivering. */
  enqueue(event: StripeEvent): void;
  /** Start every due attempt (called on each tick). */
  pump(): void;
  deliveries(): Delivery[];
  /** Stop timers; in-flight attempts are aborted. */
  close(): void;
}

/** A dispatcher with the given retry policy. */
export function createWebhookDispatcher(opts: WebhookOptions = {}): WebhookDispatcher {
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const retryMaxMs = opts.retryMaxMs ?? 60_000;
  const maxAttempts = opts.maxAttempts ?? 8;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const endpoints = new Map<string, WebhookEndpoint>();
  const deliveries: Delivery[] = [];
  const payloads = new Map<string, string>();
  const inFlight = new Set<Delivery>();
  const aborter = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = () => {
    if (closed) return;
    const next = deliveries.filter((d) => d.state === 'pending' && !inFlight.has(d)).reduce((m, d) => Math.min(m, d.nextAttemptAt), Infinity);
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (next !== Infinity) {
      timer = setTimeout(pump, Math.max(0, next - Date.now()));
      timer.unref();
    }
  };

  const attempt = async (d: Delivery) => {
    const endpoint = endpoints.get(d.endpointId);
    const payload = payloads.get(d.eventId);
    if (!endpoint || payload === undefined) {
      d.state = 'failed';
      return;
    }
    inFlight.add(d);
    const at = new Date().toISOString();
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signStripePayload(payload, endpoint.secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      d.attempts.push({ at, status: res.status });
      if (res.ok) d.state = 'delivered';
    } catch (err) {
      d.attempts.push({ at, status: null, error: err instanceof Error ? err.message : String(err) });
    } finally {
      inFlight.delete(d);
    }
    if (d.state === 'pending') {
      if (d.attempts.length >= maxAttempts) d.state = 'failed';
      else d.nextAttemptAt = Date.now() + Math.min(retryMaxMs, retryBaseMs * 2 ** (d.attempts.length - 1));
    }
    if (d.state !== 'pending') prune(d.eventId);
    schedule();
  };

  // Bounded memory: payloads go once every delivery of the event is final; history keeps the last 10 000.
  const prune = (eventId: string) => {
    if (!deliveries.some((x) => x.eventId === eventId && x.state === 'pending')) payloads.delete(eventId);
    if (deliveries.length > 10_000) {
      const drop = deliveries.findIndex((x) => x.state !== 'pending');
      if (drop >= 0) deliveries.splice(drop, 1);
    }
  };

  function pump(): void {
    if (closed) return;
    const now = Date.now();
    for (const d of deliveries) if (d.state === 'pending' && !inFlight.has(d) && d.nextAttemptAt <= now) void attempt(d);
    schedule();
  }

  return {
    register(url, secret) {
      const endpoint = { id: `we_${randomBytes(12).toString('hex')}`, url, secret: secret ?? `whsec_${randomBytes(24).toString('base64url')}` };
      endpoints.set(endpoint.id, endpoint);
      return endpoint;
    },
    unregister: (id) => endpoints.delete(id),
    endpoints: () => [...endpoints.values()],
    enqueue(event) {
      if (endpoints.size === 0) return;
      payloads.set(event.id, JSON.stringify(event, null, 2));
      for (const e of endpoints.values()) {
        deliveries.push({ eventId: event.id, eventType: event.type, endpointId: e.id, state: 'pending', attempts: [], nextAttemptAt: 0 });
      }
      queueMicrotask(pump);
    },
    pump,
    deliveries: () => deliveries.map((d) => ({ ...d, attempts: [...d.attempts] })),
    close() {
      closed = true;
      aborter.abort();
      if (timer) clearTimeout(timer);
    },
  };
}
