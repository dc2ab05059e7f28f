/** GET /metrics/revenue/{summary,daily,weekly}; the API key is checked before the query is validated. */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from '../db/index.ts';
import { requireApiKey } from '../http/index.ts';
import { revenueQuerySchema } from './parseRevenueQuery.ts';
import { dailyRevenue, summarizeRevenue, weeklyRevenue } from './queryRevenue.ts';

const cents = z.string().regex(/^-?\d+$/).describe('Exact amount in minor units, as a decimal string');
const amounts = {
  amountCents: cents.describe('Gross revenue of the counted charges'),
  refundedCents: cents,
  netRevenueCents: cents,
  count: z.number().int().describe('Counted charges'),
};
const summary = z.object({
  totalRevenueCents: cents.describe('Gross revenue: amounts of COLLECTED or REFUNDED charges'),
  refundedCents: cents.describe('Refunded so far on those charges, attributed to the charge date'),
  netRevenueCents: cents.describe('totalRevenueCents − refundedCents'),
  count: z.number().int(),
  currency: z.string(),
  timezone: z.string(),
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  source: z.string().nullable(),
  connectionId: z.string().nullable().describe('The connection filter echoed back; null for all connections'),
});
const daily = summary.extend({ breakdown: z.array(z.object({ date: z.string(), ...amounts })).describe('Days with revenue, ascending; days without are omitted') });
const weekly = summary.extend({ breakdown: z.array(z.object({ weekStartDate: z.string(), ...amounts })).describe('Monday-started weeks with revenue, ascending') });

const BUCKETS_NOTE = 'Buckets and totals come from one statement over one snapshot, so the buckets always sum to the total.';

/** Revenue metric routes; needs `X-Api-Key`. */
export const revenueRoutes: FastifyPluginAsyncZod<{ pool: Pool }> = async (app, { pool }) => {
  const common = { tags: ['revenue'], security: [{ apiKey: [] }], querystring: revenueQuerySchema };
  app.get('/metrics/revenue/summary', { onRequest: requireApiKey, schema: { ...common, summary: 'Total revenue', response: { 200: summary } } }, async (request) =>
    summarizeRevenue(pool, request.query),
  );
  app.get('/metrics/revenue/daily', { onRequest: requireApiKey, schema: { ...common, summary: 'Revenue per local day', description: BUCKETS_NOTE, response: { 200: daily } } }, async (request) =>
    dailyRevenue(pool, request.query),
  );
  app.get('/metrics/revenue/weekly', { onRequest: requireApiKey, schema: { ...common, summary: 'Revenue per Monday-started local week', description: BUCKETS_NOTE, response: { 200: weekly } } }, async (request) =>
    weeklyRevenue(pool, request.query),
  );
};
