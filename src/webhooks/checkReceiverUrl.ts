/**
 * A receiver URL's checks at subscription time: its shape (http or https, no credentials, at
 * most 2048 characters — a zod schema, so a bad one is a 400 naming `url`), and where it points
 * (a literal private address, or a host that resolves only to private ones — 422 naming `url`,
 * unless private URLs are allowed). Delivery checks again against the address it connects to.
 */
import { lookup } from 'node:dns/promises';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { isPublicAddress, literalAddress, refusedAddress, refusedHost } from './addressPolicy.ts';

/** Longest receiver URL accepted. */
export const MAX_URL_LENGTH = 2048;

/** A receiver URL as the API accepts it. */
export const receiverUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, { error: `expected at most ${MAX_URL_LENGTH} characters` })
  .superRefine((text, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected an absolute http:// or https:// URL' });
      return;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
    if (parsed.username || parsed.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials (user:password@); authenticate receivers by the signature' });
  })
  .describe('where deliveries are POSTed: http(s), no credentials in it, at most 2048 characters');

/** 422 naming `url` when `url` points only at addresses deliveries would refuse. */
export async function assertReachableUrl(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const { hostname } = new URL(url);
  const literal = literalAddress(hostname);
  if (literal) {
    if (!isPublicAddress(literal)) throw refused(refusedAddress(literal).message);
    return;
  }
  let addresses: string[];
  try {
    addresses = (await lookup(hostname, { all: true })).map((a) => a.address);
  } catch (err) {
    throw refused(`${hostname} does not resolve (${(err as { code?: string }).code ?? 'lookup failed'})`);
  }
  if (!addresses.some(isPublicAddress)) throw refused(refusedHost(hostname, addresses).message);
}

function refused(message: string): AppError {
  return new AppError('webhook_url_refused', `url: ${message}`, { details: { field: 'url' } });
}
