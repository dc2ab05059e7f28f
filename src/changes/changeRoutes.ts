/**
 * `GET /changes` (the change feed of one unified table, followed with an opaque cursor) and
 * `GET /changes/head` (the cursor to follow from after a snapshot). API key like the data endpoints.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SOURCES } from '../config.ts';
import { connectionIdSchema } from '../connections/index.ts';
import type { Pool } from '../db/index.ts';
import { requireApiKey } from '../http/index.ts';
import { DATA_TABLES, type DataTable } from '../ingest/index.ts';
import { headCursor } from './feedPositions.ts';
import { readChanges, RESNAPSHOT_HINT } from './readChanges.ts';

const errorView = z.looseObject({ error: z.string(), message: z.string() });
const tables = DATA_TABLES as [DataTable, ...DataTable[]];

const changesQuery = z.object({
  table: z.enum(tables).describe('the unified table to follow (one feed cursor per table a consumer follows)'),
  after: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page (or the head cursor after a snapshot, or a records.changed fromCursor); omitted: the beginning of the feed. One the feed did not issue (malformed, or past every position it has reached): 400 invalid_cursor'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  source: z.enum(SOURCES).optional().describe('only changes of rows of this source'),
  connectionId: connectionIdSchema.optional().describe('only changes of rows of this connection'),
});

const changeView = z.object({
  action: z.enum(['ADDED', 'UPDATED', 'DELETED']).describe('ADDED: new, or back after a deletion; UPDATED: data changed; DELETED: deleted upstream (the record shows deletedAt) or purged'),
  table: z.enum(tables),
  record: z
    .record(z.string(), z.unknown())
    .describe("the record at this version, in the table's data endpoint shape (GET /payments …); a purged connection's DELETED carries only id, source, connectionId, externalId"),
  changedAt: z.string().describe('when the writing statement ran'),
});

const changesPage = z.object({
  changes: z.array(changeView),
  nextCursor: z.string().describe('always set: store it and pass it back as `after` (also after an empty page) to resume'),
});

/** The change feed routes. */
export const changeRoutes: FastifyPluginAsyncZod<{ pool: Pool }> = async (app, { pool }) => {
  app.get(
    '/changes',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'Changes of a unified table, in commit-safe order',
        description:
          'The way to follow changes: every committed change of the table appears exactly once, in an order where a record\'s versions come in commit order, and never a rolled-back one. ' +
          `Follow nextCursor (always present). 410 cursor_expired when the history a cursor needs was pruned (or, without after, when the start of the feed was): ${RESNAPSHOT_HINT}.`,
        tags: ['changes'],
        security: [{ apiKey: [] }],
        querystring: changesQuery,
        response: { 200: changesPage, 400: errorView, 401: errorView, 410: errorView },
      },
    },
    async (request) => readChanges(pool, request.query),
  );
  app.get(
    '/changes/head',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'The current head of the change feed',
        description: 'Re-snapshot: take this cursor first, then walk the data endpoint to its end, then follow GET /changes with after=<this cursor>: nothing is missed.',
        tags: ['changes'],
        security: [{ apiKey: [] }],
        response: { 200: z.object({ cursor: z.string() }), 401: errorView },
      },
    },
    async () => ({ cursor: await headCursor(pool) }),
  );
};
