/**
 * What a vendor's credential check answers: accepted, or rejected with the upstream's own words.
 * Each vendor's `checkCredentials.ts` makes one cheap authenticated call; an answer that says the
 * credentials (or the account they point at) are wrong is a rejection, while an upstream that is
 * down, slow or rate limiting says nothing about them, so that error is thrown as is.
 */
import { UpstreamHttpError } from '../resilience/index.ts';

/** A refusal: the upstream's status and what it said. */
export type CredentialRejection = { ok: false; status: number; message: string };
/** The outcome of one credential check. */
export type CredentialCheckResult = { ok: true } | CredentialRejection;

/**
 * The rejection carried by `err`: a 4xx answer other than 408/429 (those are "try again"), with
 * the message `describe` finds in the vendor's error body. Undefined for any other error.
 */
export function rejectionOf(err: unknown, describe: (body: unknown) => string | undefined): CredentialRejection | undefined {
  if (!(err instanceof UpstreamHttpError) || err.status < 400 || err.status > 499 || err.status === 408 || err.status === 429) return undefined;
  const said = describe(err.body);
  return { ok: false, status: err.status, message: said ? `HTTP ${err.status}: ${said}` : `HTTP ${err.status}` };
}

/** `body.<path>` when it is a non-empty string (vendors nest their error message differently). */
export function messageAt(body: unknown, ...path: string[]): string | undefined {
  let at: unknown = body;
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'string' && at.length > 0 ? at : undefined;
}
