/**
 * One delivery attempt over HTTP: POST the body with its signature, through a dispatcher whose
 * connections go only to addresses the policy allows (checked on the resolved address actually
 * connected to), no redirects followed, a deadline on the whole exchange. Only a short, scrubbed
 * excerpt of the receiver's answer is kept.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { isPublicAddress, literalAddress, publicOnlyLookup, refusedAddress } from './addressPolicy.ts';
import { signatureHeader } from '../notices/index.ts';

/** What the receiver answered. */
export interface PostOutcome {
  httpStatus: number;
  /** The first bytes of its body, scrubbed (for non-2xx answers). */
  excerpt: string;
}

/** The dispatcher deliveries go through: public addresses only, unless private ones are allowed. */
export function createDeliveryDispatcher(allowPrivate: boolean): Agent {
  return new Agent(allowPrivate ? {} : { connect: { lookup: publicOnlyLookup } });
}

const EXCERPT_BYTES = 512;
const EXCERPT_CHARS = 200;

/** POST `body` to `url` signed with `secret` at `nowMs`; throws on a refused address, a network error or the timeout. */
export async function postSigned(opts: {
  url: string;
  body: string;
  secret: string;
  eventId: string;
  nowMs: number;
  timeoutMs: number;
  userAgent: string;
  allowPrivate: boolean;
  dispatcher: Dispatcher;
}): Promise<PostOutcome> {
  // A literal IP is connected to without any lookup, so the lookup's filter never sees it.
  const literal = literalAddress(new URL(opts.url).hostname);
  if (!opts.allowPrivate && literal && !isPublicAddress(literal)) throw refusedAddress(literal);
  const res = await request(opts.url, {
    method: 'POST',
    dispatcher: opts.dispatcher,
    headers: {
      'content-type': 'application/json',
      'buffalo-signature': signatureHeader(opts.secret, Math.floor(opts.nowMs / 1000), opts.body),
      'buffalo-event-id': opts.eventId,
      'user-agent': opts.userAgent,
    },
    body: opts.body,
    signal: AbortSignal.timeout(opts.timeoutMs),
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
  return { httpStatus: res.statusCode, excerpt: await readExcerpt(res.body) };
}

// Reads at most EXCERPT_BYTES and drops the rest of the stream: a receiver's body is never
// buffered whole, whatever it sends.
async function readExcerpt(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(buf);
      size += buf.length;
      if (size >= EXCERPT_BYTES) break;
    }
  } catch {
    // A body cut off mid-way still leaves its status; the excerpt is what arrived.
  } finally {
    body.destroy();
  }
  return scrubExcerpt(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'));
}

/** A short, single-line, secret-free version of a receiver's text (pure). */
export function scrubExcerpt(text: string): string {
  const cleaned = text
    .replace(/whsec_[A-Za-z0-9_-]+/g, '[redacted]')
    .replace(/(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/[\p{Cc}\ufffd]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > EXCERPT_CHARS ? `${cleaned.slice(0, EXCERPT_CHARS)}…` : cleaned;
}
