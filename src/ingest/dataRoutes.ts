/**
 * Synced data: `GET /payments`, `/contacts`, `/calendar-events`, `/campaigns` with filters
 * (`source`, `updatedSince`) and keyset pagination (`limit` ≤ 500, opaque `cursor`, `nextCursor`).
 * Rows deleted upstream are hidden unless `includeDeleted=true` (each row shows its `deletedAt`).
 * These list and snapshot; following changes is the change feed's job (src/changes, GET /changes).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Pool } from '../db/index.ts';
import { requireApiKey } from '../http/index.ts';
import { calendarEventsPage, campaignsPage, contactsPage, dataQuery, errorView, paymentsPage } from './ingestSchemas.ts';
import { readDataPage, type DataTable } from './readDataPage.ts';

/** Options of {@link dataRoutes}. */
export interface DataRoutesOptions {
  pool: Pool;
}

const ENDPOINTS: Array<{ path: string; table: DataTable; summary: string; body: z.ZodType }> = [
  { path: '/payments', table: 'payments', summary: 'Unified payments (charges, refunds, deals)', body: paymentsPage },
  { path: '/contacts', table: 'contacts', summary: 'Unified contacts', body: contactsPage },
  { path: '/calendar-events', table: 'calendar_events', summary: 'Unified calendar events (cancelled = deleted ones with includeDeleted=true)', body: calendarEventsPage },
  { path: '/campaigns', table: 'campaigns', summary: 'Ad campaigns', body: campaignsPage },
];

/** The four data endpoints. */
export const dataRoutes: FastifyPluginAsyncZod<DataRoutesOptions> = async (app, opts) => {
  for (const e of ENDPOINTS) {
    app.get(
      e.path,
      {
        onRequest: requireApiKey,
        schema: {
          summary: e.summary,
          description:
            'For listing and snapshots. Ordered by (updatedAt, id). Pass `nextCursor` back as `cursor` for the next page; it is null on the last one. Rows deleted upstream (deletedAt set) only with includeDeleted=true. ' +
            'To follow changes use GET /changes: polling with updatedSince or a stored cursor misses rows whose transaction commits late. A snapshot that stays current: take GET /changes/head, walk this endpoint to its end, then follow GET /changes from the head cursor.',
          tags: ['data'],
          security: [{ apiKey: [] }],
          querystring: dataQuery,
          response: { 200: e.body, 400: errorView, 401: errorView },
        },
      },
      async (request) => readDataPage(opts.pool, e.table, request.query),
    );
  }
};
