/**
 * The ad platform's API: Basic-auth token exchange, then bearer-authenticated, per-client
 * rate-limited campaign list and per-campaign sync. Order of checks on `/api/*` is the
 * platform's: token → rate limit (per `X-Client-Id`, both routes) → its fault counter (every
 * `unavailableEvery`-th list call is a 503; the `timeoutEvery`-th would hang, but with the
 * defaults 5 and 10 the 503 always wins) → rolled latency/timeouts/503s (off by default).
 * `POST /auth/token` is neither rate-limited nor faulted, as on the platform. Every client
 * (account) has its own token store, campaigns, fault counter and rate-limit windows.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountOf, bindAccount, createRng, installFaultHooks, type FaultCounters, type FaultState, type ScriptedFault, type SimClock, type SimKnobs } from '../common/index.ts';
import { pageCampaigns } from './pageCampaigns.ts';
import type { AdPlatformState } from './state.ts';
import { accountOfToken, parseBasicAuth, type TokenStore } from './tokens.ts';

/** Simulator-specific knobs of the ad platform. */
export interface AdPlatformKnobs extends Record<string, number | boolean> {
  /** How long `POST /api/campaigns/:id/sync` takes (the platform: 2 s). */
  syncMs: number;
  /** Every n-th list call that passed auth and the limit is a 503 (the platform: 5); 0 = never. */
  unavailableEvery: number;
  /** Every n-th such list call is never answered, unless the 503 rule took it (the platform: 10); 0 = never. */
  timeoutEvery: number;
  /** Requests let through per minute beyond `rateLimitPerMin` (the platform admits 11 of "10"). */
  rateLimitOvershoot: number;
  /** Largest page served; 0 = no maximum (the platform). */
  maxPageSize: number;
  /** Slice the data set and answer has_more from it, instead of the platform's page × limit numbering. */
  honestPaging: boolean;
}

/** Seconds the platform tells a rate-limited client to wait, in the body only (always 60). */
export const RETRY_AFTER_S = 60;
/** tokenTtlS 0 means "never expires"; the token answer still needs a lifetime. */
const NEVER_EXPIRES_S = 10 * 365 * 86_400;

/** What the routes need from the simulator. */
export interface AdPlatformRouteDeps {
  /** Account `n`'s campaigns and counters. */
  state: (n: number) => AdPlatformState;
  /** Account `n`'s token store (undefined when no such account). */
  tokens: (n: number) => TokenStore | undefined;
  /** The account a login belongs to, or undefined for wrong credentials. */
  login: (email: string, password: string) => number | undefined;
  faults: FaultState;
  knobs: SimKnobs<AdPlatformKnobs>;
  clock: SimClock;
  /** How long a "timed out" call's socket is held before it is destroyed (default: common's 60 s). */
  timeoutHoldMs?: number;
  /** Receives the fault counters once the `/api` context has loaded. */
  onCounters: (c: FaultCounters) => void;
  /** Called with the client's account on every 429 (per-account counts in the stats). */
  onRateLimited?: (account: number) => void;
}

function unavailable(reply: FastifyReply): void {
  void reply.code(503).send({ error: 'Service temporarily unavailable', message: 'The service is experiencing issues. Please retry after a short delay.' });
}

// The platform's fault counter: it counts list calls only, and checks the 503 rule first.
function listCallFault(req: FastifyRequest, deps: AdPlatformRouteDeps): ScriptedFault | undefined {
  if (req.method !== 'GET' || req.routeOptions.url !== '/api/campaigns') return undefined;
  const n = deps.state(accountOf(req)).countListCall();
  const { unavailableEvery, timeoutEvery } = deps.knobs.get();
  if (unavailableEvery > 0 && n % unavailableEvery === 0) return 'unavailable';
  if (timeoutEvery > 0 && n % timeoutEvery === 0) return 'timeout';
  return undefined;
}

/** Register `/auth/token` and the `/api` routes on `app`. */
export function registerAdPlatformRoutes(app: FastifyInstance, deps: AdPlatformRouteDeps): void {
  app.post('/auth/token', async (req, reply) => {
    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds) return reply.code(401).send({ error: 'Unauthorized', message: 'Missing or invalid Authorization header. Expected: Basic <base64>' });
    const account = deps.login(creds.email, creds.password);
    const tokens = account === undefined ? undefined : deps.tokens(account);
    if (!tokens) return reply.code(401).send({ error: 'Invalid credentials', message: 'Email or password is incorrect' });
    const ttl = deps.faults.get().tokenTtlS;
    return tokens.issue(ttl > 0 ? ttl : NEVER_EXPIRES_S);
  });

  void app.register(async (api) => {
    api.addHook('onRequest', async (req, reply) => {
      const account = accountOfToken(req.headers.authorization);
      const check = deps.tokens(account)?.check(req.headers.authorization) ?? ({ ok: false, error: 'Unauthorized' } as const);
      if (check.ok) return bindAccount(req, account);
      if (check.error === 'Token expired') {
        return reply.code(401).send({ error: 'Token expired', message: 'Access token has expired. Please obtain a new token.', expired_at: check.expiredAt });
      }
      return reply.code(401).send({ error: 'Unauthorized', message: 'Missing or invalid Bearer token' });
    });
    deps.onCounters(
      installFaultHooks(api, {
        faults: deps.faults,
        rng: createRng(deps.faults.get().seed).fork('adplatform-faults'),
        // Per client: each account has its own windows, keyed within it by X-Client-Id as on the platform.
        clientKey: (req) => `${accountOf(req)}:${String(req.headers['x-client-id'] ?? 'default')}`,
        now: deps.clock.now,
        ...(deps.timeoutHoldMs !== undefined ? { holdMs: deps.timeoutHoldMs } : {}),
        overshoot: () => deps.knobs.get().rateLimitOvershoot,
        scripted: (req) => listCallFault(req, deps),
        responders: {
          unavailable: (_req, reply) => unavailable(reply),
          // No Retry-After header: the wait is only in the body, as the platform sends it.
          rateLimited: (req, reply) => {
            deps.onRateLimited?.(accountOf(req));
            void reply.code(429).send({ error: 'Rate limit exceeded', message: `Too many requests. Limit: ${deps.faults.get().rateLimitPerMin} per minute`, retry_after: RETRY_AFTER_S });
          },
        },
      }),
    );

    api.get<{ Querystring: { page?: string; limit?: string } }>('/api/campaigns', async (req) => {
      const { maxPageSize, honestPaging } = deps.knobs.get();
      return pageCampaigns(deps.state(accountOf(req)), req.query, { maxPageSize, honestPaging });
    });

    // Any id is accepted, as on the platform; the truth tells data-set ids from made-up ones.
    api.post<{ Params: { id: string } }>('/api/campaigns/:id/sync', async (req) => {
      const { id } = req.params;
      deps.state(accountOf(req)).recordSync(id);
      const ms = deps.knobs.get().syncMs;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      return { success: true, campaign_id: id, synced_at: new Date(deps.clock.now()).toISOString(), message: 'Campaign data synced successfully' };
    });
  });
}
