/**
 * Admin API of connections: `POST /connections`, `GET /connections`, `GET /connections/:id`,
 * `PATCH /connections/:id`, `DELETE /connections/:id` (all X-Admin-Api-Key; the mutating ones
 * take an Idempotency-Key, their answer stored in the transaction that makes the change, like
 * `POST /trigger`). Credentials go in and are never answered, logged or stored in clear: request
 * logging is off in the app shell, errors name fields but never echo values, and the check's
 * refusal message is scrubbed of them (./createCredentialChecker.ts).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool, PoolClient } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { markIdempotentResponseStored, requireAdminKey, requireIdempotencyKey, storeIdempotentResponseIn } from '../http/index.ts';
import type { WithinWrite } from './connectionDeps.ts';
import { getConnection, listConnections } from './connectionRows.ts';
import type { DescribeActivity } from './connectionActivity.ts';
import { connectionDetail, connectionIdParams, connectionsPage, deleteConnectionQuery, connectionView, createConnectionBody, errorView, listConnectionsQuery, patchConnectionBody, RECENT_ERRORS, toConnectionView } from './connectionSchemas.ts';
import { createConnection } from './createConnection.ts';
import type { CredentialCheck } from './createCredentialChecker.ts';
import { deleteConnection } from './deleteConnection.ts';
import type { SecretBox } from './secretBox.ts';
import { updateConnection } from './updateConnection.ts';

/** Options of {@link connectionRoutes}. */
export interface ConnectionRoutesOptions {
  pool: Pool;
  /** Undefined without BUFFALO_SECRET_KEY: reads work, writes of credentials answer 503. */
  box: SecretBox | undefined;
  check: CredentialCheck;
  /** Deletes a removed connection's synced data in the removing transaction (`?purge=true`); owned by ingestion. */
  purgeData?: (tx: PoolClient, connectionId: string) => Promise<unknown>;
  /**
   * The connections' sync activity (last run, recent errors, dead letters), from ingest. Without
   * it the reads answer the connections alone.
   */
  describeActivity?: DescribeActivity;
}

const TAGS = ['connections'];
const SECURITY = [{ adminApiKey: [] }];

/** Register with `app.register(connectionRoutes, { pool, box, check, describeActivity })`. */
export const connectionRoutes: FastifyPluginAsyncZod<ConnectionRoutesOptions> = async (app, opts) => {
  const deps = { pool: opts.pool, box: opts.box, check: opts.check };
  // The answer commits with the change: a retry replays it instead of making the change twice.
  const storing = (request: FastifyRequest, status: number): WithinWrite => (tx, connection, ctx) => {
    ctx.alongCommit(storeIdempotentResponseIn(tx, request, status, status === 204 ? null : toConnectionView(connection)));
  };

  app.post(
    '/connections',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Create a connection (an account of an upstream)',
        description: 'Validates the credentials for the provider, checks them with one cheap call to the upstream (at `settings.apiBase`/`apiUrl`, else the configured one), and stores them sealed (AES-256-GCM). Refused credentials: 422 `invalid_credentials` with what the upstream said; upstream unreachable: 503 (5xx: 502) and nothing stored. Duplicate provider and name: 409. Requires an Idempotency-Key.',
        tags: TAGS,
        security: SECURITY,
        body: createConnectionBody,
        response: { 201: connectionView, 400: errorView, 401: errorView, 409: errorView, 422: errorView, 502: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      const { provider, name, credentials, settings, schedule } = request.body;
      const created = await createConnection(deps, { provider, name, credentials, settings, syncIntervalMs: schedule?.intervalMs ?? null }, storing(request, 201));
      markIdempotentResponseStored(request);
      return reply.code(201).send(toConnectionView(created));
    },
  );

  app.get(
    '/connections',
    {
      onRequest: requireAdminKey,
      schema: {
        summary: 'Connections, by provider and name, each with its last run and dead-letter count',
        tags: TAGS,
        security: SECURITY,
        querystring: listConnectionsQuery,
        response: { 200: connectionsPage, 400: errorView, 401: errorView },
      },
    },
    async (request) => {
      const connections = await listConnections(opts.pool, request.query);
      // One round of queries for the whole list, however many connections.
      const activity = await opts.describeActivity?.(connections.map((c) => c.id));
      return {
        connections: connections.map((c) => {
          const a = activity?.get(c.id);
          return { ...toConnectionView(c), ...(activity ? { lastRun: a?.lastRun ?? null, deadLetters: a?.deadLetters ?? 0 } : {}) };
        }),
      };
    },
  );

  app.get(
    '/connections/:id',
    {
      onRequest: requireAdminKey,
      schema: {
        summary: 'One connection, with its last run, its recent errors and its dead-letter count',
        tags: TAGS,
        security: SECURITY,
        params: connectionIdParams,
        response: { 200: connectionDetail, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      const connection = await getConnection(opts.pool, request.params.id);
      const a = (await opts.describeActivity?.([connection.id], { recentErrors: RECENT_ERRORS }))?.get(connection.id);
      if (!opts.describeActivity) return toConnectionView(connection);
      return { ...toConnectionView(connection), lastRun: a?.lastRun ?? null, recentErrors: a?.recentErrors ?? [], deadLetters: a?.deadLetters ?? 0 };
    },
  );

  app.patch(
    '/connections/:id',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Rename, pause or resume a connection, change its schedule or settings, rotate its credentials',
        description: '`status` takes `active` or `paused` (`broken` is set by Buffalo; `active` clears it). `schedule.intervalMs: null` returns to SYNC_INTERVAL_MS. `settings` replaces the settings object. New `credentials` are checked with the upstream like on create, then re-sealed; passing the check also clears `broken`. A default connection (`<provider>-default`) takes only `status` and `schedule` (409 otherwise). Requires an Idempotency-Key.',
        tags: TAGS,
        security: SECURITY,
        params: connectionIdParams,
        body: patchConnectionBody,
        response: { 200: connectionView, 400: errorView, 401: errorView, 404: errorView, 409: errorView, 422: errorView, 502: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      const { name, status, schedule, settings, credentials } = request.body;
      const patch = { name, status, settings, credentials, ...(schedule ? { syncIntervalMs: schedule.intervalMs } : {}) };
      const updated = await updateConnection(deps, request.params.id, patch, storing(request, 200));
      markIdempotentResponseStored(request);
      return reply.code(200).send(toConnectionView(updated));
    },
  );

  app.delete(
    '/connections/:id',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Delete a connection',
        description: 'Deletes the connection and its sealed credentials, which stops its syncs (a run in progress stops at its next page). Its synced rows stay, unless `purge=true`: then its rows, raw payloads, cursors and waiting jobs are deleted in the same transaction (the revenue rollup follows); run reports are kept. The default connections (`<provider>-default`, the credentials from the environment) cannot be deleted: 409 saying why. Requires an Idempotency-Key.',
        tags: TAGS,
        security: SECURITY,
        params: connectionIdParams,
        querystring: deleteConnectionQuery,
        response: { 204: z.null().describe('No content'), 400: errorView, 401: errorView, 404: errorView, 409: errorView },
      },
    },
    async (request, reply) => {
      const store = storing(request, 204);
      const purge = request.query.purge === 'true' ? opts.purgeData : undefined;
      if (request.query.purge === 'true' && !purge) throw new AppError('service_unavailable', 'purging a connection\'s data is not available in this process');
      await deleteConnection(opts.pool, request.params.id, async (tx, connection, ctx) => {
        if (purge) await purge(tx, connection.id);
        await store(tx, connection, ctx);
      });
      markIdempotentResponseStored(request);
      return reply.code(204).send(null);
    },
  );
};
