/**
 * Stripe simulator: `/v1/charges`, `/v1/refunds`, `/v1/events` (+ retrieve), and the writes
 * `POST /v1/charges` and `POST /v1/refunds` (./writes.ts) in Stripe's wire format, good enough for the official `stripe` package (`host`/`port`/`protocol: 'http'`).
 * Object shapes and `expand[]` follow the API version the package pins (docs/upstreams.md).
 * Seeded charges over the past 90 days, new activity with simulated time, 30-day event
 * retention, signed webhook delivery with retries, faults per `src/sandbox/common`.
 *
 * Control endpoints (besides the common ones):
 *   POST   /__sandbox/webhooks { url, secret? } → { id, url, secret }  register an endpoint
 *   GET    /__sandbox/webhooks                  → { endpoints, deliveries }
 *   DELETE /__sandbox/webhooks/:id
 *   /__sandbox/accounts (common/accounts.ts)   accounts 2…n, each reached with `stripeAccountKey(n)`
 *
 * Accounts: objects made or listed under one account's key are invisible to every other key, as
 * on Stripe. Registered webhook endpoints belong to account 1 (on Stripe an endpoint belongs to
 * one account); the other accounts have none, so their events are never delivered.
 *
 * Cursor choice: a `starting_after`/`ending_before` naming an object that does not exist (or an
 * event past the 30-day retention) is a 400 `resource_missing` with `param` set to the cursor,
 * as Stripe answers "No such event: 'evt_…'".
 */
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import {
  accountInCredential,
  accountOf,
  accountSeed,
  accountsFromEnv,
  createAccountBook,
  registerAccountRoutes,
  type AccountBook,
  createFaultWorld,
  createRng,
  createSimClock,
  createSimulatorApp,
  applyHostileTarget,
  hostileTruth,
  installFaultHooks,
  installHostileContent,
  registerControlRoutes,
  startSimulator,
  type Faults,
  type RunningSimulator,
  type SimClock,
  type SimulatorHandle,
} from '../common/index.ts';
import { STRIPE_ACCOUNT_KEY_PREFIX, STRIPE_DEV_API_KEY, stripeAccountKey } from './accountKeys.ts';
import { rateLimited, unavailable } from './errors.ts';
import { CHARGE_HOSTILE_FIELDS, stripeHostileTarget } from './hostile.ts';
import { registerStripeRoutes } from './routes.ts';
import { createStripeState, type StripeState, type StripeTruth } from './state.ts';
import { registerStripeWrites } from './writes.ts';
import { createWebhookDispatcher, type Delivery, type WebhookDispatcher, type WebhookOptions } from './webhooks.ts';

export { signStripePayload } from './webhooks.ts';
export { STRIPE_DEV_API_KEY, stripeAccountKey } from './accountKeys.ts';
export type { StripeTruth } from './state.ts';

/** Default knobs of the Stripe simulator. */
export const STRIPE_DEFAULT_FAULTS: Partial<Faults> = { records: 2000 };

/** Options of `createStripeSimulator`. */
export interface StripeSimulatorOptions {
  faults?: Partial<Faults>;
  /** Env for `SANDBOX_STRIPE_*` knobs and `SANDBOX_STRIPE_WEBHOOK_URL` / `_SECRET`. */
  env?: Record<string, string | undefined>;
  clock?: SimClock;
  /** Account 1's key (default: any `sk_test_…` / `rk_test_…` that names no other account). */
  apiKey?: string;
  /** New charges per simulated hour (default 60). */
  chargesPerHour?: number;
  /** Extra refunds of older charges per simulated hour (default 3). */
  oldRefundsPerHour?: number;
  /** False: charge refunds emit no `refund.*` events, as on accounts whose default API version predates 2024-10-28 (docs/upstreams.md). */
  chargeRefundEvents?: boolean;
  /** Endpoints registered at start. */
  webhooks?: Array<{ url: string; secret?: string }>;
  webhookRetry?: WebhookOptions;
}

/** Live state of a Stripe simulator. */
export interface StripeSimState {
  /** Account 1's current world (rebuilt when `records` or `seed` change). */
  world(): StripeState;
  /** Every account (`accounts.world(n)`); account 1's world is `world()`. */
  accounts: AccountBook<StripeState>;
  webhooks: WebhookDispatcher;
  /** Generate activity up to the clock's now. */
  catchUp(): { charges: number; refunds: number; events: number };
  /** `hostile`: charge id → the field and kind of hostile content served for it (`hostileRate`). */
  truth(): StripeTruth & { webhooks: { endpoints: Array<{ id: string; url: string }>; deliveries: Delivery[] }; hostile: ReturnType<typeof hostileTruth> };
}

/** Build (not start) a Stripe simulator. */
export function createStripeSimulator(opts: StripeSimulatorOptions = {}): SimulatorHandle<StripeSimState> {
  const env = opts.env ?? {};
  const clock = opts.clock ?? createSimClock();
  const webhooks = createWebhookDispatcher(opts.webhookRetry);
  for (const w of opts.webhooks ?? []) webhooks.register(w.url, w.secret);
  if (env.SANDBOX_STRIPE_WEBHOOK_URL) webhooks.register(env.SANDBOX_STRIPE_WEBHOOK_URL, env.SANDBOX_STRIPE_WEBHOOK_SECRET);

  const { faults, world } = createFaultWorld({
    name: 'stripe',
    defaults: STRIPE_DEFAULT_FAULTS,
    env,
    overrides: opts.faults,
    onRebuild: () => accounts.forget(),
    build: (f, live) =>
      createStripeState({
        seed: f.seed,
        records: f.records,
        poisonRate: () => live.get().poisonRate,
        now: clock.now(),
        ...(opts.chargesPerHour !== undefined ? { chargesPerHour: opts.chargesPerHour } : {}),
        ...(opts.oldRefundsPerHour !== undefined ? { oldRefundsPerHour: opts.oldRefundsPerHour } : {}),
        ...(opts.chargeRefundEvents !== undefined ? { chargeRefundEvents: opts.chargeRefundEvents } : {}),
        onEvent: (e) => webhooks.enqueue(applyHostileTarget(live.get(), e, stripeHostileTarget)),
        pendingWebhooks: () => webhooks.endpoints().length,
      }),
  });

  // Accounts 2…n: their own seed, no webhook endpoints (those belong to account 1).
  const accounts: AccountBook<StripeState> = createAccountBook({
    initial: accountsFromEnv('stripe', env),
    first: world,
    build: (n, records) => {
      const f = faults.get();
      return createStripeState({
        seed: accountSeed(f.seed, n),
        records: records ?? f.records,
        poisonRate: () => faults.get().poisonRate,
        now: clock.now(),
        ...(opts.chargesPerHour !== undefined ? { chargesPerHour: opts.chargesPerHour } : {}),
        ...(opts.oldRefundsPerHour !== undefined ? { oldRefundsPerHour: opts.oldRefundsPerHour } : {}),
        ...(opts.chargeRefundEvents !== undefined ? { chargeRefundEvents: opts.chargeRefundEvents } : {}),
      });
    },
  });
  const accountOfKey = (key: string): number | undefined => {
    const n = accountInCredential(key, STRIPE_ACCOUNT_KEY_PREFIX, '', accounts);
    if (n !== undefined) return n;
    // A derived key of an account that does not exist belongs to no account, whatever account 1 accepts.
    if (key.startsWith(STRIPE_ACCOUNT_KEY_PREFIX)) return undefined;
    return (opts.apiKey ? key === opts.apiKey : /^(sk|rk)_test_\w+/.test(key)) ? 1 : undefined;
  };
  const worldOf = (req: FastifyRequest) => accounts.world(accountOf(req));

  const state: StripeSimState = {
    world,
    accounts,
    webhooks,
    catchUp: () => world().catchUp(clock.now()),
    truth: () => {
      const t = world().truth();
      return {
        ...t,
        webhooks: { endpoints: webhooks.endpoints().map(({ id, url }) => ({ id, url })), deliveries: webhooks.deliveries() },
        hostile: hostileTruth(faults.get(), t.charges.map((c) => c.id), CHARGE_HOSTILE_FIELDS),
      };
    },
  };

  const app = createSimulatorApp();
  const counters = installFaultHooks(app, {
    faults,
    rng: createRng(faults.get().seed).fork('stripe-faults'),
    responders: { unavailable: (_req, reply) => unavailable(reply), rateLimited: (_req, reply) => rateLimited(reply) },
  });
  registerControlRoutes(app, { name: 'stripe', faults, clock, counters, truth: () => state.truth(), catchUp: () => state.catchUp() });
  const registerBody = z.object({ url: z.url(), secret: z.string().min(1).optional() }).strict();
  app.post('/__sandbox/webhooks', async (req, reply) => {
    const parsed = registerBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_webhook', message: z.prettifyError(parsed.error) });
    return webhooks.register(parsed.data.url, parsed.data.secret);
  });
  app.get('/__sandbox/webhooks', async () => ({ endpoints: webhooks.endpoints(), deliveries: webhooks.deliveries() }));
  app.delete<{ Params: { id: string } }>('/__sandbox/webhooks/:id', async (req, reply) =>
    webhooks.unregister(req.params.id) ? { deleted: true } : reply.code(404).send({ error: 'not_found' }),
  );
  installHostileContent(app, { faults, listKeys: ['data'], target: stripeHostileTarget });
  registerAccountRoutes(app, {
    book: accounts,
    credentials: (n) => ({ apiKey: n === 1 ? (opts.apiKey ?? STRIPE_DEV_API_KEY) : stripeAccountKey(n) }),
    truth: (n) => {
      accounts.world(n).catchUp(clock.now());
      return n === 1 ? state.truth() : accounts.world(n).truth();
    },
  });
  registerStripeRoutes(app, { world: worldOf, catchUp: (req) => void worldOf(req).catchUp(clock.now()), accountOfKey, faults, now: () => clock.now() });
  registerStripeWrites(app, { world: worldOf, now: () => clock.now() });
  app.addHook('onClose', async () => webhooks.close());

  return {
    app,
    state,
    faults,
    clock,
    tick: () => {
      state.catchUp();
      webhooks.pump();
    },
    tickMs: 1000,
  };
}

/** Build and start a Stripe simulator on `port` (default 0 = ephemeral). */
export function startStripeSimulator(opts: StripeSimulatorOptions & { port?: number; host?: string } = {}): Promise<RunningSimulator<StripeSimState>> {
  return startSimulator(createStripeSimulator(opts), opts);
}
