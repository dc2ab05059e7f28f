/** zod schemas of the ingest HTTP API (request validation and the OpenAPI document). */
import { z } from 'zod';
import { SOURCES } from '../config.ts';
import { connectionIdSchema } from '../connections/index.ts';
import { isCalendarDate } from '../revenue/index.ts';

/** Error body. */
export const errorView = z.looseObject({ error: z.string(), message: z.string() });

/** A pull source name. */
export const sourceSchema = z.enum(SOURCES);
/** A sync mode. */
export const modeSchema = z.enum(['incremental', 'full']);
/** A run status. */
export const runStatusSchema = z.enum(['queued', 'running', 'success', 'partial', 'failed', 'skipped']);

// A day that exists: 2026-02-30 is refused, not rolled over into March.
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected YYYY-MM-DD' }).refine(isCalendarDate, { message: 'must be a real date written YYYY-MM-DD' });

/** `POST /trigger/:source/:mode` body or query: a targeted run of one record or a date range. */
export const triggerTarget = z
  .object({
    id: z.string().min(1).max(255).optional().describe('one upstream record by its id'),
    since: day.optional().describe('records changed (or dated) from this UTC day'),
    until: day.optional().describe('… through this UTC day (default: now)'),
  })
  .strict();
/** `POST /connections/:id/trigger/:mode` params. */
export const connectionTriggerParams = z.object({ id: connectionIdSchema, mode: modeSchema });
/** `POST /connections/:id/trigger/:mode` 202 body. */
export const connectionTriggerAccepted = z.object({ runId: z.uuid(), source: sourceSchema, connectionId: z.string(), mode: modeSchema, status: z.literal('accepted') });

/** `POST /trigger/:source/:mode` params. */
export const triggerParams = z.object({ source: sourceSchema, mode: modeSchema });
/** Its 202 body. */
export const triggerAccepted = z.object({ runId: z.uuid(), source: sourceSchema, mode: modeSchema, status: z.literal('accepted') });

const counts = z.record(z.string(), z.number());
const cursors = z.record(z.string(), z.string().nullable());

/** A run report. */
export const runView = z.object({
  runId: z.uuid(),
  source: sourceSchema,
  connectionId: z.string().describe('the connection (account) the run synced'),
  entity: z.string(),
  mode: modeSchema,
  status: runStatusSchema,
  trigger: z.string(),
  reason: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  cursorBefore: cursors,
  cursorAfter: cursors,
  pagesFetched: z.number().int().describe('pages fetched and committed, each with its records and cursor'),
  recordsFetched: z.number().int().describe('records the upstream returned'),
  recordsEnqueued: z.number().int().describe('new or changed records queued for the processor'),
  recordsDeduped: z.number().int().describe('records not queued as duplicates: unchanged since last enqueued, already queued, or repeated within a page'),
  recordsUpserted: z.number().int().describe('unified rows written by the processor so far (grows while the outbox drains)'),
  recordsDeleted: z.number().int().describe('stored rows moved from live to deleted: archived, cancelled, answered 404, or gone from a completed full read (grows while the outbox drains)'),
  recordsFailed: z.number().int().describe('records of this run in the dead-letter queue, not replayed'),
  recordsInvalid: z.number().int().describe('records whose normalization failed when fetched, or beyond the stored bounds (they reach the dead-letter queue)'),
  recordsSanitized: z.number().int().describe('records enqueued with NUL or unpaired surrogates replaced by U+FFFD (PostgreSQL cannot store them); each job lists where'),
  retriesByCause: counts,
  rateLimitWaits: z.number().int(),
  rateLimitWaitMs: z.number(),
  tokenRefreshes: z.number().int(),
  unmappedStatuses: counts,
  staleCursorDetected: z.boolean().describe('the upstream rejected a stored cursor (e.g. an expired sync token)'),
  fullBackfillTriggered: z.boolean().describe('the run fell back to a full backfill of a stream after its cursor was rejected'),
  notes: z.array(z.string()).describe('what the connectors said about the run, e.g. paging stopped at the upstream\'s total although it claimed more'),
  error: z.string().nullable(),
  createdAt: z.string(),
});

/** `GET /runs` body. */
export const runsPage = z.object({ runs: z.array(runView), total: z.number().int() });

/** `GET /runs` query. */
export const listRunsQuery = z.object({
  source: sourceSchema.optional(),
  connectionId: connectionIdSchema.optional(),
  status: runStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
/** `GET /runs/:runId` params. */
export const runIdParams = z.object({ runId: z.uuid() });

/** Query of the data endpoints. */
export const dataQuery = z.object({
  source: sourceSchema.optional(),
  connectionId: connectionIdSchema.optional().describe('only rows of this connection (e.g. stripe-default)'),
  updatedSince: z.iso.datetime({ offset: true }).optional().describe('only rows last changed at or after this time — for listing and snapshots, not for following changes: a change committed late can carry an earlier time; to follow changes use GET /changes'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page of this endpoint with the same filters (source, connectionId, updatedSince, includeDeleted; else 400 invalid_cursor), to walk a listing to its end (null there) — not a position to resume from later; to follow changes use GET /changes'),
  includeDeleted: z.enum(['true', 'false']).optional().describe('also return rows deleted upstream (deletedAt set); default false'),
});

const ts = z.string();
const base = {
  id: z.string(), source: z.string(), connectionId: z.string().describe('the connection (account) the row was synced from'), externalId: z.string(), createdAt: ts, updatedAt: ts,
  deletedAt: ts.nullable().describe('when the record was deleted upstream (archived, cancelled, gone); null while it exists'),
};
const page = <T extends z.ZodType>(row: T) => z.object({ data: z.array(row), nextCursor: z.string().nullable() });

/** A unified payment. */
export const paymentView = z.object({
  ...base, kind: z.enum(['charge', 'refund']), status: z.enum(['COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN']), rawStatus: z.string(),
  amountCents: z.string().describe('integer minor units'), refundedCents: z.string(), currency: z.string(), occurredAt: ts,
  customerRef: z.string().nullable(), parentExternalId: z.string().nullable(), sourceUpdatedAt: ts.nullable(),
});
/** A unified contact. */
export const contactView = z.object({
  ...base, email: z.string().nullable(), firstName: z.string().nullable(), lastName: z.string().nullable(), phone: z.string().nullable(),
  company: z.string().nullable(), lifecycleStage: z.string().nullable(), sourceUpdatedAt: ts.nullable(),
});
/** A unified calendar event. */
export const calendarEventView = z.object({
  ...base, calendarId: z.string(), status: z.string(), summary: z.string().nullable(), startsAt: ts.nullable(), endsAt: ts.nullable(),
  allDay: z.boolean().nullable(), sourceUpdatedAt: ts.nullable(),
});
/** A unified campaign. */
export const campaignView = z.object({
  ...base, name: z.string(), status: z.string(), budgetCents: z.string(), impressions: z.number(), clicks: z.number(), conversions: z.number(),
  sourceCreatedAt: ts, syncedAt: ts.nullable(),
});
/** Pages of the data endpoints. */
export const paymentsPage = page(paymentView);
export const contactsPage = page(contactView);
export const calendarEventsPage = page(calendarEventView);
export const campaignsPage = page(campaignView);

/** `GET /dlq` query. */
export const dlqQuery = z.object({
  queue: z.string().min(1).max(100).optional(),
  replayed: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page'),
  connectionId: connectionIdSchema
    .optional()
    .describe('only this connection\'s dead letters (jobs from before connections belong to `<source>-default`)'),
});
/** A dead letter. */
export const deadLetterView = z.object({
  id: z.string(),
  queue: z.string(),
  jobId: z.string(),
  connectionId: z.string().nullable().describe('the connection of the job (`<source>-default` for jobs from before connections); null for other queues'),
  payload: z.unknown(),
  reason: z.string(),
  error: z.object({ name: z.string(), message: z.string(), stack: z.string().nullable(), details: z.unknown() }),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  replayOf: z.string().nullable(),
  failedAt: ts,
  replayedAt: ts.nullable(),
});
/** `GET /dlq` body. */
export const dlqPage = z.object({ items: z.array(deadLetterView), nextCursor: z.string().nullable() });
/** `POST /dlq/:id/replay` params and body. */
export const dlqIdParams = z.object({ id: z.string().regex(/^\d{1,18}$/, { message: 'expected a dead-letter id' }) });
/** `POST /dlq/:id/replay` answer. */
export const replayView = z.object({ id: z.string(), replayed: z.boolean(), jobId: z.string().nullable() });
