/**
 * The `Buffalo-Signature` header, Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>" under the receiver's secret>`. The timestamp inside the signed string lets
 * receivers refuse replays of an old request (docs/webhooks.md). Webhook deliveries and
 * operator notices are signed the same way, so one verifier serves both.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** A fresh signing secret: `whsec_` and 32 random bytes as base64url. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The header value for `body` sent at `unixSeconds`. */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, body)}`;
}

function hmacHex(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
}
