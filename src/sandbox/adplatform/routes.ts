/**
 * The ad platform's API (seeds 002/004): Basic-auth token exchange, then bearer-authenticated,
 * per-client rate-limited, fault-injected campaign list and per-campaign sync. Order of checks
 * on `/api/*` is the platform's: token → rate limit (per `X-Client-Id`) → latency/timeout/503.
 * `POST /auth/token` is neither rate-limited nor faulted, as on the original platform.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createRng, installFaultHooks, type FaultCounters, type FaultState, type SimClock, type SimKnobs } from '../common/index.ts';
import { paginate } from './data.ts';
import type { AdPlatformState } from './state.ts';
import { parseBasicAuth, type TokenStore } from './tokens.ts';

/** Simulator-specific knobs of the ad platform. */
export interface AdPlatformKnobs extends Record<string, number | boolean> {
  /** How long `POST /api/campaigns/:id/sync` takes (seed 002: 2 s). */
  syncMs: number;
}

/** Seconds the platform tells a rate-limited client to wait (always 60, as on the original). */
export const RETRY_AFTER_S = 60;
/** tokenTtlS 0 means "never expires"; the token answer still needs a lifetime. */
const NEVER_EXPIRES_S = 10 * 365 * 86_400;

/** What the routes need from the simulator. */
export interface AdPlatformRouteDeps {
  state: () => AdPlatformState;
  tokens: TokenStore;
  faults: FaultState;
  knobs: SimKnobs<AdPlatformKnobs>;
  clock: SimClock;
  credentials: { email: string; password: string };
  /** How long a "timed out" call's socket is held before it is destroyed (default: common's 60 s). */
  timeoutHoldMs?: number;
  /** Receives the fault counters once the `/api` context has loaded. */
  onCounters: (c: FaultCounters) => void;
}

function unavailable(reply: FastifyReply): void {
  void reply.code(503).send({ error: 'Service temporarily unavailable', message: 'The service is experiencing issues. Please retry after a short delay.' });
}

/** Register `/auth/token` and the `/api` routes on `app`. */
export function registerAdPlatformRoutes(app: FastifyInstance, deps: AdPlatformRouteDeps): void {
  app.post('/auth/token', async (req, reply) => {
    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds) return reply.code(401).send({ error: 'Unauthorized', message: 'Missing or invalid Authorization header. Expected: Basic <base64>' });
    if (creds.email !== deps.credentials.email || creds.password !== deps.credentials.password) {
      return reply.code(401).send({ error: 'Invalid credentials', message: 'Email or password is incorrect' });
    }
    const ttl = deps.faults.get().tokenTtlS;
    return deps.tokens.issue(ttl > 0 ? ttl : NEVER_EXPIRES_S);
  });

  void app.register(async (api) => {
    api.addHook('onRequest', async (req, reply) => {
      const check = deps.tokens.check(req.headers.authorization);
      if (!check.ok) return reply.code(401).send({ error: check.error });
    });
    deps.onCounters(
      installFaultHooks(api, {
        faults: deps.faults,
        rng: createRng(deps.faults.get().seed).fork('adplatform-faults'),
        clientKey: (req) => String(req.headers['x-client-id'] ?? 'default'),
        now: deps.clock.now,
        ...(deps.timeoutHoldMs !== undefined ? { holdMs: deps.timeoutHoldMs } : {}),
        responders: {
          unavailable: (_req, reply) => unavailable(reply),
          rateLimited: (_req, reply) =>
            void reply.code(429).header('Retry-After', String(RETRY_AFTER_S)).send({ error: 'Rate limit exceeded', retry_after: RETRY_AFTER_S }),
        },
      }),
    );

    api.get<{ Querystring: { page?: string; limit?: string } }>('/api/campaigns', async (req, reply) => {
      const page = req.query.page === undefined ? 1 : Number(req.query.page);
      const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1 || limit > 100) {
        return reply.code(400).send({ error: 'Invalid pagination', message: 'page must be ≥ 1 and limit 1–100' });
      }
      return paginate(deps.state().list(), page, limit);
    });

    api.post<{ Params: { id: string } }>('/api/campaigns/:id/sync', async (req, reply) => {
      const { id } = req.params;
      const state = deps.state();
      if (!state.get(id)) return reply.code(404).send({ error: 'Campaign not found', message: `No campaign with id ${id}` });
      state.recordSync(id);
      const ms = deps.knobs.get().syncMs;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      return { success: true, campaign_id: id, synced_at: new Date(deps.clock.now()).toISOString(), message: 'Campaign data synced successfully' };
    });
  });
}
