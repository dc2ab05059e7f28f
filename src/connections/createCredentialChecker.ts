/**
 * The credential check run before credentials are stored (create, rotation): one cheap real call
 * to the provider (the vendor's checkCredentials in src/connectors) at the connection's base
 * URL — `settings.apiBase` / `apiUrl`, else the provider's configured one (in development the
 * sandbox simulators). Outcomes become API errors: refused → 422 invalid_credentials with what
 * the upstream said (any credential value scrubbed from it); unreachable, slow or rate limiting
 * → 503 upstream_unreachable; a 5xx → 502 upstream_failed. Nothing is stored unless it passes.
 *
 * The checks run on policies of their own (`<provider>-check`): a check for another account
 * must neither spend the default connection's rate budget nor trip its breaker.
 */
import type { Config } from '../config.ts';
import { checkAdplatformCredentials, checkGcalCredentials, checkHubspotCredentials, checkStripeCredentials, type CredentialCheckResult } from '../connectors/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { CircuitOpenError, createPolicy, DeadlineExceededError, UpstreamHttpError, UpstreamNetworkError, UpstreamTimeoutError, type UpstreamPolicy } from '../resilience/index.ts';
import type { ConnectionCredentials, ConnectionSettings, Provider } from './providerSchemas.ts';

/** Checks credentials against their provider; resolves when accepted, throws an AppError otherwise. */
export type CredentialCheck = (credentials: ConnectionCredentials, settings: ConnectionSettings) => Promise<void>;

// One retry of a 5xx or a dropped connection; an operator waits on this call, so it stays short.
const CHECK_ATTEMPTS = 2;
const CHECK_DEADLINE_MS = 20_000;

/** The checker for `config`'s providers (base URLs and timeouts from there). */
export function createCredentialChecker(config: Config, deps: { logger: Logger }): CredentialCheck {
  const policies = new Map<Provider, UpstreamPolicy>();
  const policyFor = (provider: Provider) => {
    let policy = policies.get(provider);
    if (!policy) {
      const base = config.resilience[provider];
      policy = createPolicy(`${provider}-check`, { ...base, maxAttempts: CHECK_ATTEMPTS, deadlineMs: Math.min(base.deadlineMs, CHECK_DEADLINE_MS), rateLimitPerMin: 0 }, { logger: deps.logger });
      policies.set(provider, policy);
    }
    return policy;
  };

  return async (given, settings) => {
    const provider = given.provider;
    let result: CredentialCheckResult;
    try {
      result = await runCheck(config, given, settings, policyFor(provider));
    } catch (err) {
      throw unreachable(provider, err);
    }
    if (!result.ok) {
      deps.logger.info({ provider, status: result.status }, 'credential check refused');
      throw new AppError('invalid_credentials', `${provider} refused the credentials: ${scrub(result.message, given.credentials)}`, { details: { provider } });
    }
  };
}

function runCheck(config: Config, given: ConnectionCredentials, settings: ConnectionSettings, policy: UpstreamPolicy): Promise<CredentialCheckResult> {
  switch (given.provider) {
    case 'stripe': {
      const apiBase = settings.apiBase ?? config.stripe.apiBase;
      return checkStripeCredentials({ apiKey: given.credentials.apiKey, ...(apiBase ? { apiBase } : {}), policy, timeoutMs: config.resilience.stripe.timeoutMs });
    }
    case 'hubspot': {
      const apiBase = settings.apiBase ?? config.hubspot.apiBase;
      return checkHubspotCredentials({ accessToken: given.credentials.accessToken, ...(apiBase ? { apiBase } : {}), policy });
    }
    case 'gcal': {
      const apiBase = settings.apiBase ?? config.gcal.apiBase;
      const creds = given.credentials;
      const auth = 'clientEmail' in creds ? { serviceAccount: { clientEmail: creds.clientEmail, privateKey: creds.privateKey } } : { accessToken: creds.accessToken };
      return checkGcalCredentials({ calendarId: settings.calendarId ?? 'primary', ...(apiBase ? { apiBase } : {}), policy, ...auth });
    }
    case 'adplatform': {
      const apiUrl = settings.apiUrl ?? config.adplatform.apiUrl;
      if (!apiUrl) throw new AppError('validation_failed', 'settings.apiUrl: Required (AD_PLATFORM_API_URL is not set, so the ad platform has no default address)', { details: { field: 'settings.apiUrl' } });
      const { email, password, clientId } = given.credentials;
      return checkAdplatformCredentials({ apiUrl, email, password, ...(clientId ? { clientId } : {}), policy });
    }
  }
}

// Only the upstream's own failure becomes a 502/503; our own errors (a 400 above) pass through.
function unreachable(provider: Provider, err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof UpstreamHttpError && err.status >= 500) {
    return new AppError('upstream_failed', `${provider} answered HTTP ${err.status} to the credential check; nothing was stored — retry later`, { details: { provider } });
  }
  const why = err instanceof UpstreamHttpError ? `answered HTTP ${err.status}` // 408, 429
    : err instanceof UpstreamNetworkError ? `is unreachable${err.code ? ` (${err.code})` : ''}`
      : err instanceof UpstreamTimeoutError || err instanceof DeadlineExceededError ? 'did not answer in time'
        : err instanceof CircuitOpenError ? 'failed repeatedly just now (circuit open)'
          : undefined;
  if (!why) return err;
  return new AppError('upstream_unreachable', `${provider} ${why}, so the credentials could not be checked; nothing was stored — retry later`, { details: { provider, retryAfter: 5 } });
}

// Upstreams sometimes quote what they refused (Stripe: "Invalid API Key provided: sk_test_****1234");
// every credential value, and anything masked like one, is cut out before it reaches a client.
function scrub(message: string, credentials: object): string {
  let out = message;
  for (const value of Object.values(credentials)) {
    if (typeof value === 'string' && value.length >= 4) out = out.split(value).join('[redacted]');
  }
  return out.replace(/\S*\*{3,}\S*/g, '[redacted]').slice(0, 500);
}
