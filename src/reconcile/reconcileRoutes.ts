/**
 * `POST /reconcile/:source` (admin + Idempotency-Key; 202 `{reconciliationId}`, the 202 stored in
 * the transaction that accepts it, like `POST /trigger`) and `GET /reconciliations/:id`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SourceName } from '../config.ts';
import { defaultConnectionId, getConnection, isDefaultConnection } from '../connections/index.ts';
import { withDbRetry, withTransaction, type Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { markIdempotentResponseStored, requireAdminKey, requireApiKey, requireIdempotencyKey, storeIdempotentResponseIn } from '../http/index.ts';
import { refuseUnavailableSource } from '../ingest/index.ts';
import { recordAcceptedReconciliation } from './acceptReconciliation.ts';
import { errorView, reconcileAccepted, reconcileOptions, reconcileParams, reconciliationIdParams, reconciliationView } from './reconcileSchemas.ts';
import { getReconciliation } from './reconciliations.ts';

/** Options of {@link reconcileRoutes}. */
export interface ReconcileRoutesOptions {
  pool: Pool;
  /** Sources not configured in this process: reconciling one answers its error (503). */
  unavailableSources?: Partial<Record<SourceName, AppError>>;
}

/** Register with `app.register(reconcileRoutes, { pool })`. */
export const reconcileRoutes: FastifyPluginAsyncZod<ReconcileRoutesOptions> = async (app, opts) => {
  app.post(
    '/reconcile/:source',
    {
      onRequest: requireAdminKey,
      preValidation: refuseUnavailableSource(opts.unavailableSources),
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Compare a source\'s stored rows with its upstream',
        description: 'Accepts a reconciliation of `source` (its default connection, or `connectionId`): worker processes walk the whole upstream through its connector and compare it with the stored rows by id and content (`missing`, `extra`, `different`). With `repair: true` (body or query) exactly the missing and differing records are re-synced. Follow it at `GET /reconciliations/{id}`.',
        tags: ['ingest'],
        security: [{ adminApiKey: [] }],
        params: reconcileParams,
        querystring: reconcileOptions,
        body: reconcileOptions.nullish(),
        response: { 202: reconcileAccepted, 400: errorView, 401: errorView, 404: errorView, 409: errorView, 422: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      const { source } = request.params;
      const asked = request.body?.repair ?? request.query.repair;
      const repair = asked === true || asked === 'true';
      const connectionId = request.body?.connectionId ?? request.query.connectionId ?? defaultConnectionId(source);
      if (!isDefaultConnection({ source, connectionId })) {
        const connection = await getConnection(opts.pool, connectionId);
        if (connection.provider !== source) throw new AppError('validation_failed', `connection ${connectionId} is a ${connection.provider} connection, not ${source}`, { details: { field: 'connectionId' } });
      }
      const accepted = (reconciliationId: string) => ({ reconciliationId, source, connectionId, repair, status: 'accepted' as const });
      const id = await withDbRetry(() =>
        withTransaction(opts.pool, async (tx, ctx) => {
          const reconciliationId = await recordAcceptedReconciliation(tx, { source, connectionId, repair, trigger: 'api' });
          ctx.alongCommit(storeIdempotentResponseIn(tx, request, 202, accepted(reconciliationId)));
          return reconciliationId;
        }),
      );
      markIdempotentResponseStored(request);
      return reply.code(202).send(accepted(id));
    },
  );

  app.get(
    '/reconciliations/:id',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'One reconciliation: status and result',
        tags: ['ingest'],
        security: [{ apiKey: [] }],
        params: reconciliationIdParams,
        response: { 200: reconciliationView, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      const found = await getReconciliation(opts.pool, request.params.id);
      if (!found) throw new AppError('reconciliation_not_found', `reconciliation ${request.params.id} not found`);
      return found;
    },
  );
};
