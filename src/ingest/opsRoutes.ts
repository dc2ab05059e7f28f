/**
 * Ops endpoints: `POST /trigger/:source/:mode` (admin + Idempotency-Key) accepts a run of the
 * source's default connection that worker processes execute (see acceptSync),
 * `POST /connections/:id/trigger/:mode` the same for any connection, `GET /runs`, `GET /runs/:runId`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SourceName } from '../config.ts';
import type { SyncTarget } from '../connectors/index.ts';
import { getConnection, isDefaultConnection } from '../connections/index.ts';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { markIdempotentResponseStored, requireAdminKey, requireApiKey, requireIdempotencyKey, storeIdempotentResponseIn } from '../http/index.ts';
import { refuseUnavailableSource } from './refuseUnavailableSource.ts';
import { acceptSync, type SyncRequest } from './acceptSync.ts';
import { connectionTriggerAccepted, connectionTriggerParams, errorView, listRunsQuery, runIdParams, runsPage, runView, triggerAccepted, triggerParams, triggerTarget } from './ingestSchemas.ts';
import { parseSyncTarget, type SyncTargetInput } from './parseSyncTarget.ts';
import { targetRefusal } from './runTargetedSync.ts';
import type { IngestDeps } from './types.ts';
import { getRun, listRuns } from './runs.ts';

/** Options of {@link opsRoutes}. */
export interface OpsRoutesOptions {
  pool: Pool;
  /** Sources that are not configured in this process: triggering one answers its error (503). */
  unavailableSources?: Partial<Record<SourceName, AppError>>;
  /** Connectors of this process, to refuse a targeted run the upstream cannot serve (400) up front. */
  connectors?: IngestDeps['connectors'];
}

/** Trigger and run-report routes. */
export const opsRoutes: FastifyPluginAsyncZod<OpsRoutesOptions> = async (app, opts) => {
  // The record or date range a trigger names in its body or query (null: the streams), or 400.
  const targetOf = (request: { query: SyncTargetInput; body?: SyncTargetInput | null }): SyncTarget | null => {
    const target = parseSyncTarget({ ...request.query, ...(request.body ?? {}) });
    if (target && 'error' in target) throw new AppError('validation_failed', target.error, { details: { field: target.field } });
    return target;
  };
  // The 202 commits with the run (fenced by the key's claim): a crash or a failed store can no
  // longer leave a run whose key a retry runs again, nor can a request that outlived its lease
  // commit a second run after a retry took its key over.
  const accept = async <T>(request: FastifyRequest, reply: FastifyReply, sync: SyncRequest, answer: (runId: string) => T) => {
    const runId = await acceptSync(opts.pool, sync, (tx, id, ctx) => ctx.alongCommit(storeIdempotentResponseIn(tx, request, 202, answer(id))));
    markIdempotentResponseStored(request);
    return reply.code(202).send(answer(runId));
  };

  app.post(
    '/trigger/:source/:mode',
    {
      onRequest: requireAdminKey,
      preValidation: refuseUnavailableSource(opts.unavailableSources),
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Start a sync run',
        description: 'Accepts a run of `source` in `mode`; worker processes run it. With `id`, or `since` [and `until`] (YYYY-MM-DD), in the JSON body or the query, the run reads only that record or date range and never moves the stream cursor. Follow it at `GET /runs/{runId}`. A run while another of the same source is running ends as `skipped`.',
        tags: ['ingest'],
        security: [{ adminApiKey: [] }],
        params: triggerParams,
        querystring: triggerTarget,
        body: triggerTarget.nullish(),
        response: { 202: triggerAccepted, 400: errorView, 401: errorView, 409: errorView, 422: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      const { source, mode } = request.params;
      const target = targetOf(request);
      if (target && opts.connectors) {
        const refusal = targetRefusal(opts.connectors[source], source, target);
        if (refusal) throw new AppError('validation_failed', refusal, { details: { field: target.kind === 'id' ? 'id' : 'since' } });
      }
      return accept(request, reply, { source, mode, trigger: 'api', ...(target ? { target } : {}) }, (runId) => ({ runId, source, mode, status: 'accepted' as const }));
    },
  );

  app.post(
    '/connections/:id/trigger/:mode',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Start a sync run of one connection',
        description: 'Like `POST /trigger/{source}/{mode}` for the account the connection stands for (`<source>-default` is the environment\'s account). A paused or broken connection answers 409 `connection_not_active`. Requires an Idempotency-Key.',
        tags: ['ingest', 'connections'],
        security: [{ adminApiKey: [] }],
        params: connectionTriggerParams,
        querystring: triggerTarget,
        body: triggerTarget.nullish(),
        response: { 202: connectionTriggerAccepted, 400: errorView, 401: errorView, 404: errorView, 409: errorView, 422: errorView, 503: errorView },
      },
    },
    async (request, reply) => {
      const { id, mode } = request.params;
      const connection = await getConnection(opts.pool, id);
      const source = connection.provider;
      const unavailable = opts.unavailableSources?.[source];
      if (isDefaultConnection({ source, connectionId: id }) && unavailable) throw unavailable;
      if (connection.status !== 'active') {
        throw new AppError('connection_not_active', `connection ${id} is ${connection.status}${connection.statusReason ? ` (${connection.statusReason})` : ''}: resume it (PATCH /connections/${id} {"status":"active"}) to sync`, { details: { status: connection.status } });
      }
      const target = targetOf(request);
      return accept(request, reply, { source, connectionId: id, mode, trigger: 'api', ...(target ? { target } : {}) }, (runId) => ({ runId, source, connectionId: id, mode, status: 'accepted' as const }));
    },
  );

  app.get(
    '/runs',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'Sync runs, newest first',
        tags: ['ingest'],
        security: [{ apiKey: [] }],
        querystring: listRunsQuery,
        response: { 200: runsPage, 400: errorView, 401: errorView },
      },
    },
    async (request) => listRuns(opts.pool, request.query),
  );

  app.get(
    '/runs/:runId',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'One sync run and its report',
        tags: ['ingest'],
        security: [{ apiKey: [] }],
        params: runIdParams,
        response: { 200: runView, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      const run = await getRun(opts.pool, request.params.runId);
      if (!run) throw new AppError('run_not_found', `run ${request.params.runId} not found`);
      return run;
    },
  );
};
