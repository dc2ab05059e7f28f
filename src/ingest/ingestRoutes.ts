/** All ingest HTTP routes but the webhook: trigger, runs, data endpoints, DLQ. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SourceName } from '../config.ts';
import type { Pool } from '../db/index.ts';
import type { AppError } from '../errors.ts';
import { dataRoutes } from './dataRoutes.ts';
import { dlqRoutes } from './dlqRoutes.ts';
import { opsRoutes } from './opsRoutes.ts';

/** Options of {@link ingestRoutes}. */
export interface IngestRoutesOptions {
  pool: Pool;
  /** Sources that are not configured in this process: triggering one answers its error. */
  unavailableSources?: Partial<Record<SourceName, AppError>>;
}

/** Register with `app.register(ingestRoutes, { pool })`. */
export const ingestRoutes: FastifyPluginAsyncZod<IngestRoutesOptions> = async (app, opts) => {
  await app.register(opsRoutes, { pool: opts.pool, ...(opts.unavailableSources ? { unavailableSources: opts.unavailableSources } : {}) });
  await app.register(dataRoutes, { pool: opts.pool });
  await app.register(dlqRoutes, { pool: opts.pool });
};
