/**
 * What each provider's credentials and settings look like (zod, strict: a misspelt field is an
 * error, not silently dropped), and the one parse that turns them into typed values or a 400
 * naming the field (`credentials.apiKey: Required`). Messages never include the value given.
 */
import { z } from 'zod';
import { SOURCES, type SourceName } from '../config.ts';
import { AppError } from '../errors.ts';

/** A provider a connection can be made to (the pull sources). */
export type Provider = SourceName;
/** Every provider. */
export const PROVIDERS = SOURCES;

// A schema's own message wins over the parse's, so each says "Required" for a missing field itself.
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'Required' : `expected ${what}`);
const text = (what: string) => z.string({ error: expected(what) }).min(1, { error: `expected ${what}` });
const httpUrl = z.url({ protocol: /^https?$/, error: expected('an absolute http(s) URL') });
const expiresAt = z.iso.datetime({ offset: true, error: expected('an ISO 8601 date-time such as 2026-01-31T12:00:00Z') });

// OAuth tokens (HubSpot apps, Google user consent): the access token is used as is; the refresh
// token and its expiry come together so whoever refreshes knows when to.
const oauthTokens = z.strictObject({ accessToken: text('an access token'), refreshToken: text('a refresh token'), expiresAt });

/** Stripe: a secret or restricted key; the webhook signing secret when this account sends webhooks. */
export const stripeCredentials = z.strictObject({
  apiKey: z.string({ error: expected('a string') }).regex(/^(sk|rk)_\w+$/, { error: 'expected a secret key starting with sk_ or rk_' }),
  webhookSecret: z.string({ error: expected('a string') }).regex(/^whsec_\w+$/, { error: 'expected a signing secret starting with whsec_' }).optional(),
});
/** HubSpot: a private-app token, or OAuth tokens. */
export const hubspotCredentials = z.union([z.strictObject({ accessToken: text('a private-app access token') }), oauthTokens]);
/** Google Calendar: a service account, or OAuth tokens. */
export const gcalCredentials = z.union([
  z.strictObject({ clientEmail: z.email({ error: expected('a service-account e-mail address') }), privateKey: z.string({ error: expected('a string') }).includes('PRIVATE KEY', { error: 'expected a PEM private key' }) }),
  oauthTokens,
]);
/** The ad platform: its login, and the client id it wants in X-Client-Id. */
export const adplatformCredentials = z.strictObject({ email: text('an e-mail or user name'), password: text('a password'), clientId: text('a client id').optional() });

/** Credentials per provider. */
export const CREDENTIALS = { stripe: stripeCredentials, hubspot: hubspotCredentials, gcal: gcalCredentials, adplatform: adplatformCredentials } as const;

/** Settings per provider: what is not secret. */
export const SETTINGS = {
  stripe: z.strictObject({ apiBase: httpUrl.optional() }),
  hubspot: z.strictObject({ apiBase: httpUrl.optional() }),
  gcal: z.strictObject({ calendarId: text('a calendar id').optional(), apiBase: httpUrl.optional() }),
  adplatform: z.strictObject({ apiUrl: httpUrl.optional() }),
} as const;

/** Stripe credentials. */
export type StripeCredentials = z.infer<typeof stripeCredentials>;
/** HubSpot credentials. */
export type HubspotCredentials = z.infer<typeof hubspotCredentials>;
/** Google Calendar credentials. */
export type GcalCredentials = z.infer<typeof gcalCredentials>;
/** Ad-platform credentials. */
export type AdplatformCredentials = z.infer<typeof adplatformCredentials>;

/** Plaintext credentials tagged with their provider (switch on `provider` to get the typed shape). */
export type ConnectionCredentials =
  | { provider: 'stripe'; credentials: StripeCredentials }
  | { provider: 'hubspot'; credentials: HubspotCredentials }
  | { provider: 'gcal'; credentials: GcalCredentials }
  | { provider: 'adplatform'; credentials: AdplatformCredentials };

/** Settings of any provider. */
export type ConnectionSettings = { apiBase?: string; apiUrl?: string; calendarId?: string };

/** Validate `value` as `provider`'s credentials; 400 validation_failed naming the first bad field. */
export function parseCredentials(provider: Provider, value: unknown): ConnectionCredentials {
  return { provider, credentials: parseOrThrow(CREDENTIALS[provider] as z.ZodType<unknown>, value, 'credentials') } as ConnectionCredentials;
}

/** Validate `value` as `provider`'s settings; 400 validation_failed naming the first bad field. */
export function parseSettings(provider: Provider, value: unknown): ConnectionSettings {
  return parseOrThrow(SETTINGS[provider] as z.ZodType<ConnectionSettings>, value ?? {}, 'settings');
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  // A union reports one issue per alternative; the alternative the caller evidently meant (the
  // one sharing most of its fields) gives the message that helps.
  const parsed = schema.safeParse(value, { error: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'Required' : undefined) });
  if (parsed.success) return parsed.data;
  const issue = closestIssue(parsed.error.issues, value);
  const path = [root, ...issue.path.map(String)];
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const field = unknownKey ? [...path, unknownKey].join('.') : path.join('.');
  const message = unknownKey ? 'unknown field' : issue.message;
  throw new AppError('validation_failed', `${field}: ${message}`, { details: { field } });
}

function closestIssue(issues: z.core.$ZodIssue[], value: unknown): z.core.$ZodIssue {
  const first = issues[0]!;
  if (first.code !== 'invalid_union') return first;
  const given = new Set(value && typeof value === 'object' ? Object.keys(value) : []);
  const score = (alt: z.core.$ZodIssue[]) => -alt.filter((i) => i.path.length > 0 && !given.has(String(i.path[0]))).length - alt.filter((i) => i.code === 'unrecognized_keys').length * 2;
  const best = [...first.errors].sort((a, b) => score(b) - score(a))[0];
  return best?.[0] ?? first;
}
