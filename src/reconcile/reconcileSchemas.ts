/** HTTP shapes of the reconcile routes. */
import { z } from 'zod';
import { SOURCES } from '../config.ts';
import { connectionIdSchema } from '../connections/index.ts';

/** Error body. */
export const errorView = z.looseObject({ error: z.string(), message: z.string() });
/** `POST /reconcile/:source` params. */
export const reconcileParams = z.object({ source: z.enum(SOURCES) });
/** `POST /reconcile/:source` body or query. */
export const reconcileOptions = z
  .object({
    repair: z.union([z.boolean(), z.enum(['true', 'false'])]).optional().describe('re-sync exactly the missing and differing records'),
    connectionId: connectionIdSchema.optional().describe('reconcile this connection of the source (default: <source>-default)'),
  })
  .strict();
/** The 202. */
export const reconcileAccepted = z.object({ reconciliationId: z.uuid(), source: z.enum(SOURCES), connectionId: z.string(), repair: z.boolean(), status: z.literal('accepted') });
/** `GET /reconciliations/:id` params. */
export const reconciliationIdParams = z.object({ id: z.uuid() });

const rowSample = z.object({ table: z.string(), externalId: z.string() });
const count = (sample: z.ZodType) => z.object({ count: z.number().int(), samples: z.array(sample) });
/** A reconciliation and (once done) its result. */
export const reconciliationView = z.object({
  reconciliationId: z.uuid(),
  source: z.enum(SOURCES),
  connectionId: z.string(),
  repair: z.boolean(),
  trigger: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  result: z
    .object({
      source: z.string(),
      upstreamRecords: z.number().int(),
      upstreamInvalid: z.number().int(),
      upstreamRows: z.number().int(),
      storedRows: z.number().int(),
      pending: z.number().int(),
      missing: count(rowSample),
      extra: count(rowSample),
      different: count(rowSample.extend({ fields: z.array(z.object({ field: z.string(), stored: z.string().nullable(), upstream: z.string().nullable() })) })),
      repair: z.object({ runId: z.string().nullable(), recordsEnqueued: z.number().int(), extraHandling: z.string() }).nullable(),
    })
    .nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
