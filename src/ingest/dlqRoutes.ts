/** Dead-letter queue over the queue core: `GET /dlq` and `POST /dlq/:id/replay` (admin). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { requireAdminKey, requireIdempotencyKey } from '../http/index.ts';
import { listDeadLetters, replayDeadLetter, type DeadLetter } from '../queue/index.ts';
import { dlqIdParams, dlqPage, dlqQuery, errorView, replayView } from './ingestSchemas.ts';
import { invalidCursor } from './keysetCursor.ts';

// A DLQ cursor is a dead letter's id; 18 digits always fit a bigint.
const DLQ_CURSOR = /^\d{1,18}$/;

/** Options of {@link dlqRoutes}. */
export interface DlqRoutesOptions {
  pool: Pool;
}

/** A dead letter as the API shows it. */
export function deadLetterJson(d: DeadLetter) {
  return {
    id: d.id,
    queue: d.queue,
    jobId: d.jobId,
    payload: d.payload,
    reason: d.reason,
    error: d.error,
    attempts: d.attempts,
    maxAttempts: d.maxAttempts,
    replayOf: d.replayOf,
    failedAt: d.failedAt.toISOString(),
    replayedAt: d.replayedAt?.toISOString() ?? null,
  };
}

/** DLQ list and replay. */
export const dlqRoutes: FastifyPluginAsyncZod<DlqRoutesOptions> = async (app, opts) => {
  app.get(
    '/dlq',
    {
      onRequest: requireAdminKey,
      schema: {
        summary: 'Dead letters, newest first (raw payload and exact error)',
        tags: ['ingest'],
        security: [{ adminApiKey: [] }],
        querystring: dlqQuery,
        response: { 200: dlqPage, 400: errorView, 401: errorView },
      },
    },
    async (request) => {
      const q = request.query;
      // Checked here, not in the schema, so a forged cursor gets the same invalid_cursor as on the data endpoints.
      if (q.cursor !== undefined && !DLQ_CURSOR.test(q.cursor)) throw invalidCursor();
      const page = await listDeadLetters(opts.pool, {
        limit: q.limit,
        ...(q.queue ? { queue: q.queue } : {}),
        ...(q.replayed !== undefined ? { replayed: q.replayed } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
      return { items: page.items.map(deadLetterJson), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/dlq/:id/replay',
    {
      onRequest: requireAdminKey,
      preHandler: requireIdempotencyKey,
      schema: {
        summary: 'Replay a dead letter as a fresh job (idempotent)',
        tags: ['ingest'],
        security: [{ adminApiKey: [] }],
        params: dlqIdParams,
        response: { 200: replayView, 400: errorView, 401: errorView, 404: errorView, 409: errorView, 422: errorView },
      },
    },
    async (request) => {
      const r = await replayDeadLetter(opts.pool, request.params.id);
      if (!r.found) throw new AppError('dlq_entry_not_found', `dead letter ${request.params.id} not found`);
      return { id: request.params.id, replayed: r.replayed, jobId: r.jobId };
    },
  );
};
