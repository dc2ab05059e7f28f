/**
 * Operator notices — the daily summary and `connection.broken` — POSTed as JSON to
 * NOTIFY_WEBHOOK_URL, and signed like webhook deliveries (`Buffalo-Signature`) when
 * NOTIFY_WEBHOOK_SECRET is set, so the receiver can tell them from forgeries
 * (docs/webhooks.md, "Operator notices"). The one sender of both. The URL is the operator's own
 * setting, so unlike a subscription's it may be a private address (an internal alerting hook).
 */
import { request } from 'undici';
import { packageVersion } from '../packageRoot.ts';
import { signatureHeader } from './signature.ts';

/** Where operator notices go (both from the configuration). */
export interface OperatorNoticeTarget {
  url: string | undefined;
  /** Signs every notice when set. */
  secret: string | undefined;
}

/** One notice: `id` is sent as `Buffalo-Event-Id` (the same for every retry of one notice, so receivers can de-duplicate). */
export interface OperatorNotice {
  id: string;
  body: unknown;
}

/** Deadline of one POST (connect, send, answer). */
export const OPERATOR_NOTICE_TIMEOUT_MS = 10_000;

/**
 * POST `notice` to the target. False when no URL is configured (nothing sent); throws when the
 * receiver answers non-2xx (the error names the status), cannot be reached or misses the deadline.
 */
export async function postOperatorNotice(target: OperatorNoticeTarget, notice: OperatorNotice, opts: { nowMs?: number; timeoutMs?: number } = {}): Promise<boolean> {
  if (!target.url) return false;
  const body = JSON.stringify(notice.body);
  const timeoutMs = opts.timeoutMs ?? OPERATOR_NOTICE_TIMEOUT_MS;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'buffalo-event-id': notice.id, 'user-agent': `Buffalo-Notices/${packageVersion()}` };
  if (target.secret) headers['buffalo-signature'] = signatureHeader(target.secret, Math.floor((opts.nowMs ?? Date.now()) / 1000), body);
  const res = await request(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  // The answer's body is not needed: read and dropped (up to undici's small limit) so the connection is reused.
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`NOTIFY_WEBHOOK_URL answered HTTP ${res.statusCode}`);
  return true;
}
