/**
 * The order API: POST /api/orders, GET /api/orders/:id, GET /api/metrics.
 *
 * Auth: a bearer JWT (verified in onRequest, before the body is even parsed). The caller may
 * only order for itself — `customerId` must equal the token subject, else 403 — and only read
 * its own orders (another customer's id is 404, indistinguishable from a missing one).
 * /api/metrics takes the API key or any valid order token (the load script only has a token).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import { createGroupCommitter, type Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { markIdempotentResponseStored, requireApiKey, requireIdempotencyKey, storeIdempotentResponseIn } from '../http/index.ts';
import type { Logger } from '../log.ts';
import { createPolicy, type Clock } from '../resilience/index.ts';
import { collectOrderMetrics } from './collectOrderMetrics.ts';
import { createOrder } from './createOrder.ts';
import { ORDER_TIMESTAMPS_JSONB } from './insertOrder.ts';
import { createOrderBody, errorView, orderIdParams, orderView, orderWithHistoryView } from './orderSchemas.ts';
import { readOrder } from './readOrder.ts';
import { createRequestWindow, type RequestWindow } from './requestWindow.ts';
import { createInventoryClient, type InventoryClient } from './reserveInventory.ts';
import { createJwtVerifier, requireJwt } from './verifyJwt.ts';

/** Options of {@link orderRoutes}. */
export interface OrderRoutesOptions {
  pool: Pool;
  config: Pick<Config, 'auth' | 'inventory' | 'resilience'>;
  /** Inventory client; default: INVENTORY_API_BASE_URL through the `inventory` policy. */
  inventory?: InventoryClient;
  /** Clock of the default inventory policy (tests drive the breaker with a manual clock). */
  clock?: Clock;
  logger?: Logger;
  /** Request window behind /api/metrics (default: a fresh 60 s window). */
  requestWindow?: RequestWindow;
  /** Set when inventory is not configured: placing an order answers it (after auth); reads still work. */
  unavailable?: AppError;
}

/** Build the inventory client the routes use by default. */
export function inventoryFromConfig(config: OrderRoutesOptions['config'], deps: { clock?: Clock; logger?: Logger } = {}): InventoryClient {
  const baseUrl = config.inventory.baseUrl;
  if (!baseUrl) throw new Error('INVENTORY_API_BASE_URL is not set (the sandbox sets it when simulating inventory)');
  return createInventoryClient({ baseUrl, policy: createPolicy('inventory', config.resilience.inventory, deps) });
}

/** Fastify plugin with the order API routes. */
export const orderRoutes: FastifyPluginAsyncZod<OrderRoutesOptions> = async (app, opts) => {
  const verifier = createJwtVerifier(opts.config.auth);
  const { unavailable } = opts;
  const inventory = unavailable ? undefined : (opts.inventory ?? inventoryFromConfig(opts.config, { ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.logger ? { logger: opts.logger } : {}) }));
  const window = opts.requestWindow ?? createRequestWindow();
  const jwt = requireJwt(verifier);
  // Orders placed while earlier ones commit share the next transaction (one WAL flush for all).
  const transactions = createGroupCommitter(opts.pool, { name: 'orders' });
  const tracked = new Set(['/api/orders', '/api/orders/:id']);

  app.addHook('onResponse', async (request, reply) => {
    if (tracked.has(request.routeOptions.url ?? '')) window.record(reply.elapsedTime, reply.statusCode);
  });

  app.post(
    '/api/orders',
    {
      onRequest: jwt,
      // Before the body is validated or a key claimed: nothing can succeed without inventory.
      preValidation: async () => {
        if (unavailable) throw unavailable;
      },
      preHandler: [requireOwnCustomerId, requireIdempotencyKey],
      schema: {
        summary: 'Place an order',
        description: 'Requires `Authorization: Bearer <JWT>` and `Idempotency-Key`. `customerId` must equal the token subject.',
        tags: ['orders'],
        security: [{ bearerAuth: [] }],
        body: createOrderBody,
        response: { 201: orderView, 400: errorView, 401: errorView, 403: errorView, 409: errorView, 422: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      try {
        // The 201 is stored with the order in one transaction (sent along with its COMMIT): a
        // crash after COMMIT can't lead a retry with the same key to a second order.
        if (!inventory) throw unavailable;
        const order = await createOrder({ pool: opts.pool, inventory, transactions }, request.body.customerId, request.body, (tx, pending, ctx) =>
          ctx.alongCommit(storeIdempotentResponseIn(tx, request, 201, pending, { name: 'order', sql: ORDER_TIMESTAMPS_JSONB, values: [pending.id] })),
        );
        markIdempotentResponseStored(request);
        return reply.code(201).send(order);
      } catch (err) {
        if (err instanceof AppError && err.code === 'inventory_unavailable') void reply.header('retry-after', String(err.details?.retryAfter ?? 1));
        throw err;
      }
    },
  );

  app.get(
    '/api/orders/:id',
    {
      onRequest: jwt,
      schema: {
        summary: 'An order with its status history',
        tags: ['orders'],
        security: [{ bearerAuth: [] }],
        params: orderIdParams,
        response: { 200: orderWithHistoryView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      const order = await readOrder(opts.pool, request.params.id, request.jwtSubject as string);
      if (!order) throw new AppError('order_not_found', `order ${request.params.id} not found`);
      return order;
    },
  );

  app.get(
    '/api/metrics',
    {
      onRequest: (request, reply) => (request.headers['x-api-key'] || request.headers['x-admin-api-key'] ? requireApiKey(request, reply) : jwt(request, reply)),
      schema: { summary: 'Order API metrics (JSON): request rate and latency, orders by status, queues, breakers', tags: ['orders'], security: [{ apiKey: [] }, { bearerAuth: [] }] },
    },
    async () => collectOrderMetrics(opts.pool, window),
  );
};

// Placing orders for someone else is refused before the idempotency key is claimed.
async function requireOwnCustomerId(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const body = request.body as { customerId?: unknown } | undefined;
  if (body?.customerId !== request.jwtSubject) throw new AppError('forbidden', 'customerId must match the authenticated customer (token subject)');
}
