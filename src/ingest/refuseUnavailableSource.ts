/**
 * The preValidation hook of routes that start work on a source (`/trigger`, `/reconcile`): a
 * source this process has no configuration for is refused up front with its 503 (the variables
 * to set), after authentication; work accepted for it could only end as skipped or failed.
 */
import type { FastifyRequest } from 'fastify';
import type { SourceName } from '../config.ts';
import type { AppError } from '../errors.ts';

/** Hook refusing the `:source` path parameter when `unavailable` names it. */
export function refuseUnavailableSource(unavailable: Partial<Record<SourceName, AppError>> | undefined): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const refusal = unavailable?.[(request.params as { source?: string }).source as SourceName];
    if (refusal) throw refusal;
  };
}
