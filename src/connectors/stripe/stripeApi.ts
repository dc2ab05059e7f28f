/**
 * The official `stripe` client pointed at a base URL, with its own retries OFF: every call runs
 * inside our policy (rate limiter, breaker, retry, timeout), and Stripe library errors are
 * mapped to the kit's errors so the policy classifies them (connection → network, 429/5xx →
 * transient HTTP, other 4xx → permanent).
 */
import Stripe from 'stripe';
import { UpstreamHttpError, UpstreamNetworkError, type CallStats, type UpstreamPolicy } from '../../resilience/index.ts';

/** A Stripe client for `apiBase` (default the real API). */
export function createStripeClient(apiKey: string, apiBase: string | undefined, timeoutMs: number): Stripe {
  const base = new URL(apiBase ?? 'https://api.stripe.com');
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(apiKey, {
    host: base.hostname,
    port: base.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 0,
    timeout: timeoutMs > 0 ? timeoutMs : 80_000,
    telemetry: false,
    appInfo: { name: 'buffalo' },
  });
}

/** Run one Stripe request through `policy`, with Stripe errors mapped for it. */
export function callStripe<T>(policy: UpstreamPolicy, ctx: { stats: CallStats; signal?: AbortSignal }, fn: () => Promise<T>): Promise<T> {
  return policy.execute(async () => {
    try {
      return await fn();
    } catch (err) {
      throw mapStripeError(policy.name, err);
    }
  }, { stats: ctx.stats, signal: ctx.signal });
}

/** A Stripe library error as the resilience kit's error (unchanged if it is not one). */
export function mapStripeError(upstream: string, err: unknown): unknown {
  if (!(err instanceof Stripe.errors.StripeError)) return err;
  if (err instanceof Stripe.errors.StripeConnectionError || err.statusCode === undefined) return new UpstreamNetworkError(upstream, err);
  return new UpstreamHttpError(upstream, err.statusCode, lowercase(err.headers ?? {}), { error: err.raw });
}

/** The list cursor Stripe rejected as missing ("No such event: 'evt_…'"), if that is what `err` is. */
export function rejectedCursor(err: unknown): string | undefined {
  if (!(err instanceof UpstreamHttpError) || err.status !== 400) return undefined;
  const raw = (err.body as { error?: { code?: unknown; param?: unknown } } | undefined)?.error;
  if (raw?.code !== 'resource_missing') return undefined;
  return raw.param === 'starting_after' || raw.param === 'ending_before' ? raw.param : undefined;
}

function lowercase(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));
}
