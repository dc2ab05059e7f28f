/** Dead-letter queue over the queue core: `GET /dlq` and `POST /dlq/:id/replay` (admin). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { withTransaction, type Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { markIdempotentResponseStored, requireAdminKey, requireIdempotencyKey, storeIdempotentResponseIn } from '../http/index.ts';
import { listDeadLetters, replayDeadLetter, type DeadLetter } from '../queue/index.ts';
import { dlqIdParams, dlqPage, dlqQuery, errorView, replayView } from './ingestSchemas.ts';
import { connectionOfPayload, connectionPayloadMatches } from './deadLetterConnection.ts';
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
    connectionId: connectionOfPayload(d.payload),
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
        summary: 'Dead letters, newest first (raw payload and exact error), optionally of one connection',
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
        ...(q.connectionId ? { payloadMatches: connectionPayloadMatches(q.connectionId) } : {}),
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
      const { id } = request.params;
      const answer = (r: { replayed: boolean; jobId: string | null }) => ({ id, replayed: r.replayed, jobId: r.jobId });
      // The answer commits with the replay (fenced by the key's claim), so a retry of this key
      // replays "replayed: true" with its job instead of a second call's "already replayed".
      const r = await withTransaction(opts.pool, async (tx, ctx) => {
        const result = await replayDeadLetter(tx, id);
        if (result.found) ctx.alongCommit(storeIdempotentResponseIn(tx, request, 200, answer(result)));
        return result;
      });
      if (!r.found) throw new AppError('dlq_entry_not_found', `dead letter ${id} not found`);
      markIdempotentResponseStored(request);
      return answer(r);
    },
  );
};
