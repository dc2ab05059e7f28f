/**
 * Stripe credential check: `GET /v1/charges?limit=1` with the key — the cheapest read every
 * secret key (and a restricted key that may read charges, which syncing needs anyway) can make.
 */
import { newCallStats, type UpstreamPolicy } from '../../resilience/index.ts';
import { messageAt, rejectionOf, type CredentialCheckResult } from '../credentialCheck.ts';
import { callStripe, createStripeClient } from './stripeApi.ts';

/** What the Stripe check needs. */
export interface StripeCheckDeps {
  apiKey: string;
  /** Base URL (the sandbox, or unset for api.stripe.com). */
  apiBase?: string;
  policy: UpstreamPolicy;
  timeoutMs: number;
}

/** One authenticated read with `apiKey`: accepted, or Stripe's reason for refusing it. */
export async function checkStripeCredentials(deps: StripeCheckDeps): Promise<CredentialCheckResult> {
  const stripe = createStripeClient(deps.apiKey, deps.apiBase, deps.timeoutMs);
  try {
    await callStripe(deps.policy, { stats: newCallStats() }, () => stripe.charges.list({ limit: 1 }));
    return { ok: true };
  } catch (err) {
    const rejected = rejectionOf(err, (body) => messageAt(body, 'error', 'message'));
    if (rejected) return rejected;
    throw err;
  }
}
