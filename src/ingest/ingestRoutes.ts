/** All ingest HTTP routes but the webhook: trigger, runs, data endpoints, DLQ. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SourceName } from '../config.ts';
import type { Pool } from '../db/index.ts';
import type { AppError } from '../errors.ts';
import { dataRoutes } from './dataRoutes.ts';
import { dlqRoutes } from './dlqRoutes.ts';
import { opsRoutes } from './opsRoutes.ts';
import type { IngestDeps } from './types.ts';

/** Options of {@link ingestRoutes}. */
export interface IngestRoutesOptions {
  pool: Pool;
  /** Sources that are not configured in this process: triggering one answers its error. */
  unavailableSources?: Partial<Record<SourceName, AppError>>;
  /** Connectors of this process (a targeted trigger the upstream cannot serve is a 400). */
  connectors?: IngestDeps['connectors'];
}

/** Register with `app.register(ingestRoutes, { pool })`. */
export const ingestRoutes: FastifyPluginAsyncZod<IngestRoutesOptions> = async (app, opts) => {
  await app.register(opsRoutes, { pool: opts.pool, ...(opts.unavailableSources ? { unavailableSources: opts.unavailableSources } : {}), ...(opts.connectors ? { connectors: opts.connectors } : {}) });
  await app.register(dataRoutes, { pool: opts.pool });
  await app.register(dlqRoutes, { pool: opts.pool });
};
