/**
 * The Fastify application shell: zod type provider, OpenAPI 3.1 from route schemas, request
 * ids, error rendering, body limit, refusal of input PostgreSQL cannot store, auth digests,
 * idempotency store, health and Prometheus endpoints. Modules add their routes as plugins after this (see main wiring).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { histogram, registry } from '../metrics.ts';
import { digestKey, type AuthKeys } from './auth.ts';
import { handleClientError, handleError } from './renderError.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';
import { refuseBracketedQuery } from './refuseBracketedQuery.ts';
import { refuseUnstorableInput } from './refuseUnstorableInput.ts';
import { DEFAULT_IDEMPOTENCY_LEASE_MS, storeIdempotentResponse } from './idempotency.ts';

/** The app type every route plugin is registered on. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** Dependencies of {@link buildApp}. */
export interface AppDeps {
  pool: Pool;
  logger: Logger;
  auth: AuthKeys;
  bodyLimitBytes?: number;
  readiness?: ReadinessCheck[];
  /** Public base URL shown in the OpenAPI document. */
  publicUrl?: string;
  /** In-flight lease of an Idempotency-Key claim (default 60 s; tests shorten it to stall past it). */
  idempotencyLeaseMs?: number;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Build the app shell (not listening). Register module routes on the result, then `listen`. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    // Our onResponse hook logs one line per request at debug; Fastify's two lines per request are noise.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // A URL the router cannot decode, or a path parameter over its length limit, answers in our
    // error shape rather than Fastify's; so does a request Node's HTTP parser refuses.
    frameworkErrors: (error, request, reply) => {
      void reply.header('x-request-id', request.id);
      handleError(error, request, reply);
    },
    clientErrorHandler: handleClientError,
    // Stripe webhooks need the raw bytes; they register their own content parser in a plugin.
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
  app.decorate('authDigests', { api: digestKey(deps.auth.apiKey), admin: digestKey(deps.auth.adminApiKey) });
  app.decorate('idempotencyPool', deps.pool);
  app.decorate('idempotencyLeaseMs', deps.idempotencyLeaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS);

  const latency = histogram('buffalo_http_request_duration_seconds', 'HTTP request latency', ['method', 'route', 'status'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // The first of every route's preValidation hooks (the module plugins inherit them): after each
  // route's onRequest (authentication first), before its own hooks, its schema validation, its
  // Idempotency-Key claim and anything it calls or writes.
  app.addHook('preValidation', refuseUnstorableInput);
  app.addHook('preValidation', refuseBracketedQuery);
  app.addHook('onSend', storeIdempotentResponse);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    latency.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    request.log.debug({ method: request.method, url: route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Buffalo API', version: '0.1.0', description: 'Ingestion, revenue metrics, orders and events gateway.' },
      servers: deps.publicUrl ? [{ url: deps.publicUrl }] : [],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
          adminApiKey: { type: 'apiKey', in: 'header', name: 'X-Admin-Api-Key' },
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { pool: deps.pool, checks: deps.readiness ?? [], startedAt: Date.now() });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  return app;
}
