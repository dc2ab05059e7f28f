/** Request and response schemas of the connection routes (zod → validation and OpenAPI). */
import { z } from 'zod';
import { CONNECTION_STATUSES, type Connection } from './connectionRows.ts';
import { PROVIDERS } from './providerSchemas.ts';

/** JSON error body. */
export const errorView = z.looseObject({ error: z.string(), message: z.string() });

const provider = z.enum(PROVIDERS);
const name = z.string().trim().min(1).max(200);
const intervalMs = z.number().int().min(1000).max(86_400_000);
// Provider-specific shapes are checked by the store, which names the field (`credentials.apiKey`).
const credentials = z.record(z.string(), z.unknown()).describe('the provider\'s credentials (see docs/connections.md); never returned');
const settings = z.record(z.string(), z.unknown()).describe('non-secret provider settings: `apiBase` (stripe, hubspot, gcal), `calendarId` (gcal), `apiUrl` (adplatform)');

/** `DELETE /connections/:id` query. */
export const deleteConnectionQuery = z.object({ purge: z.enum(['true', 'false']).optional().describe('also delete everything the connection synced (default false)') });
/** A connection id, as the connections table's CHECK allows it (every route and filter that takes one). */
export const connectionIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'expected a connection id such as conn_… or stripe-default (lower-case letters, digits, _ and -)' });
/** `/connections/:id` params. */
export const connectionIdParams = z.object({ id: connectionIdSchema });

/** `POST /connections` body. */
export const createConnectionBody = z.strictObject({
  provider,
  name,
  credentials,
  settings: settings.optional(),
  schedule: z.strictObject({ intervalMs }).optional(),
});

/** `PATCH /connections/:id` body. */
export const patchConnectionBody = z
  .strictObject({
    name: name.optional(),
    status: z.enum(['active', 'paused'], { error: 'expected active or paused (broken is set by Buffalo; send active to clear it)' }).optional(),
    schedule: z.strictObject({ intervalMs: intervalMs.nullable() }).optional(),
    settings: settings.optional(),
    credentials: credentials.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'expected at least one of name, status, schedule, settings, credentials' });

/** `GET /connections` query. */
export const listConnectionsQuery = z.object({ provider: provider.optional(), status: z.enum(CONNECTION_STATUSES).optional() });

/** A connection as the API shows it (no credentials, ever). */
export const connectionView = z.object({
  id: z.string(),
  provider,
  name: z.string(),
  status: z.enum(CONNECTION_STATUSES),
  statusReason: z.string().nullable(),
  schedule: z.object({ intervalMs: z.number().int().nullable().describe('null: the configured SYNC_INTERVAL_MS') }),
  settings: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A connection's newest run (skipped runs left out), as `lastRun`. */
export const lastRunView = z
  .object({
    runId: z.string(),
    status: z.string(),
    mode: z.string(),
    trigger: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    recordsFetched: z.number().int(),
    recordsUpserted: z.number().int(),
    recordsFailed: z.number().int(),
    error: z.string().nullable(),
  })
  .nullable()
  .describe('the newest run of the connection that was not skipped; null before its first run');

const deadLetters = z.number().int().describe('its dead letters not replayed (`GET /dlq?connectionId=`)');

/** `GET /connections` item: the connection with its last run and DLQ size (when the API knows runs). */
export const connectionListItem = connectionView.extend({ lastRun: lastRunView.optional(), deadLetters: deadLetters.optional() });

/** How many failed runs' errors `GET /connections/:id` shows. */
export const RECENT_ERRORS = 5;

/** `GET /connections/:id` answer: the connection with its last run, recent errors and DLQ size. */
export const connectionDetail = connectionListItem.extend({
  recentErrors: z
    .array(z.object({ runId: z.string(), finishedAt: z.string().nullable(), error: z.string().nullable() }))
    .optional()
    .describe(`the errors of its last ${RECENT_ERRORS} failed runs, newest first`),
});

/** `GET /connections` answer. */
export const connectionsPage = z.object({ connections: z.array(connectionListItem) });

/** A connection → its API view. Built field by field so nothing else (a key id, one day a secret) slips out. */
export function toConnectionView(c: Connection): z.infer<typeof connectionView> {
  return {
    id: c.id,
    provider: c.provider,
    name: c.name,
    status: c.status,
    statusReason: c.statusReason,
    schedule: { intervalMs: c.syncIntervalMs },
    settings: c.settings,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
