/**
 * The events gateway (docs/upstreams.md#event-service): GET /getUsers, GET /getEvents,
 * GET /getEventsByUserId/:id and POST /addEvent over the event service, through the resilience
 * kit. All take `X-Api-Key`; POST /addEvent also requires `Idempotency-Key`.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PolicySettings } from '../config.ts';
import { AppError } from '../errors.ts';
import { idempotencyEffectKey, requireApiKey, requireIdempotencyKey } from '../http/index.ts';
import type { Logger } from '../log.ts';
import { UpstreamHttpError, type Clock } from '../resilience/index.ts';
import { createEventServiceClient, type EventServiceClient } from './createEventServiceClient.ts';
import { createEventsGatewayPolicies, type EventsGatewayPolicies } from './createEventsGatewayPolicies.ts';
import { addEventBody, addEventView, errorView, eventView, userIdParams, userView, writeFailureView } from './eventSchemas.ts';
import { DEFAULT_FANOUT_CONCURRENCY, fetchEventsForUser } from './fetchEventsForUser.ts';
import { readFailure, writeFailure } from './mapUpstreamFailure.ts';

/** Options of {@link eventsGatewayRoutes}: a ready client, or prebuilt policies, or settings to build them from. */
export interface EventsGatewayOptions {
  /** Event service base URL (`config.eventService.baseUrl`); not needed with `client`. */
  baseUrl?: string;
  /** `config.resilience.eventservice`; not needed with `policies` or `client`. */
  settings?: PolicySettings;
  /** Prebuilt read/write policies (share them with the readiness check). */
  policies?: EventsGatewayPolicies;
  client?: EventServiceClient;
  /** Clock of policies built here (tests drive the breaker with a manual clock). */
  clock?: Clock;
  logger?: Logger;
  /** Most event fetches in flight per GET /getEventsByUserId request (default 16). */
  fanoutConcurrency?: number;
  /** Set when the event service is not configured: every route answers it once the caller is authenticated. */
  unavailable?: AppError;
}

const security = [{ apiKey: [] }];
const tags = ['events'];

/** Fastify plugin with the four gateway routes. */
export const eventsGatewayRoutes: FastifyPluginAsyncZod<EventsGatewayOptions> = async (app, opts) => {
  const { unavailable } = opts;
  if (unavailable) {
    app.addHook('preValidation', async () => {
      throw unavailable;
    });
  }
  const configured = unavailable ? undefined : (opts.client ?? clientFromOptions(opts));
  // Unreachable without a client: the hook above answers first.
  const client = (): EventServiceClient => {
    if (!configured) throw unavailable;
    return configured;
  };
  const concurrency = opts.fanoutConcurrency ?? DEFAULT_FANOUT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`fanoutConcurrency must be a positive integer (got ${concurrency})`);

  app.get(
    '/getUsers',
    { onRequest: requireApiKey, schema: { summary: 'All users', tags, security, response: { 200: z.array(userView), 502: errorView, 503: errorView } } },
    async (_request, reply) => read(reply, 'users', () => client().getUsers()),
  );

  app.get(
    '/getEvents',
    { onRequest: requireApiKey, schema: { summary: 'All events', tags, security, response: { 200: z.array(eventView), 502: errorView, 503: errorView } } },
    async (_request, reply) => read(reply, 'events', () => client().getEvents()),
  );

  app.get(
    '/getEventsByUserId/:id',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'A user’s events',
        description: `Events fetched in parallel (at most ${concurrency} at a time per request; identical in-flight fetches shared), so latency stays near one upstream round trip. Fails fast: 502 \`upstream_failed\` with \`failedIds\`.`,
        tags,
        security,
        params: userIdParams,
        response: { 200: z.array(eventView), 404: errorView, 502: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const user = await read(reply, `user ${id}`, () => client().getUserById(id), (err) =>
        err instanceof UpstreamHttpError && err.status === 404 ? new AppError('user_not_found', `user ${id} not found`) : undefined,
      );
      return read(reply, `events of user ${id}`, () => fetchEventsForUser(user.events, (eventId) => client().getEventById(eventId), { concurrency }));
    },
  );

  app.post(
    '/addEvent',
    {
      onRequest: requireApiKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Create an event',
        description:
          'Requires `Idempotency-Key`. Protected by a circuit breaker (3 failures within 30 s → open; half-open after 10 s, doubling per failed probe up to 60 s). ' +
          'While open: 503 `{success:false, error, message, retryAfter, circuitBreakerState:"OPEN"}` without calling the event service. ' +
          'Upstream failures while closed: their status with `{success:false, error}`. Never retried by the gateway; the call carries an `Idempotency-Key` derived from ours, ' +
          'so a client retry after a failure or a lost answer repeats the same upstream write and gets the same event, never a second one.',
        tags,
        security,
        body: addEventBody,
        response: { 200: addEventView, 409: errorView, 503: z.union([writeFailureView, errorView]) },
      },
    },
    async (request, reply) => {
      try {
        // The claim's effect key, recorded before this call and kept by a takeover or a retry
        // after a 5xx, makes the upstream write exactly-once even when our answer is lost.
        const idempotencyKey = idempotencyEffectKey(request);
        const event = await client().addEvent(request.body, idempotencyKey ? { idempotencyKey } : {});
        return reply.code(200).send({ success: true as const, event });
      } catch (err) {
        // The same write is still running upstream (a request that outlived its lease): a retry
        // later gets its event. Our own in-use answer, so the key is released, not stored.
        if (err instanceof UpstreamHttpError && err.status === 409) {
          throw new AppError('idempotency_key_in_use', 'the event service is still running the write with this Idempotency-Key; retry shortly', { details: { retryAfter: 1 } });
        }
        const failure = writeFailure(err);
        if (failure.retryAfter !== undefined) void reply.header('retry-after', String(failure.retryAfter));
        request.log.info({ status: failure.status, error: failure.body.error }, 'addEvent refused');
        return reply.code(failure.status as 503).send(failure.body);
      }
    },
  );
};

function clientFromOptions(opts: EventsGatewayOptions): EventServiceClient {
  if (!opts.baseUrl) throw new Error('EVENT_API_BASE_URL is not set (the sandbox sets it when simulating the event service)');
  if (!opts.policies && !opts.settings) throw new Error('events gateway needs `policies` or `settings`');
  const deps = { ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.logger ? { logger: opts.logger } : {}) };
  const policies = opts.policies ?? createEventsGatewayPolicies(opts.settings as PolicySettings, deps);
  return createEventServiceClient({ baseUrl: opts.baseUrl, policies });
}

// Run a read; failures become AppErrors (503 with Retry-After while the breaker is open, else 502),
// unless `special` maps them first.
async function read<T>(reply: FastifyReply, what: string, fn: () => Promise<T>, special?: (err: unknown) => AppError | undefined): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const mapped = special?.(err) ?? readFailure(err, what);
    const retryAfter = mapped.details?.retryAfter;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    throw mapped;
  }
}
