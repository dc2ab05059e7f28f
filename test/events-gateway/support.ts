/** Shared set-up of the events-gateway tests: an event-service simulator and a gateway app over it. */
import { resolveConfig, type PolicySettings } from '../../src/config.ts';
import { createEventsGatewayPolicies, eventsGatewayReadinessCheck, eventsGatewayRoutes, type EventsGatewayPolicies } from '../../src/events-gateway/index.ts';
import type { App } from '../../src/http/index.ts';
import type { Clock } from '../../src/resilience/index.ts';
import type { Pool } from '../../src/db/index.ts';
import { buildTestApp } from '../helpers/app.ts';

/** Seed 003 defaults, exactly as the app resolves them. */
export const EVENT_SERVICE_SETTINGS = resolveConfig({}).resilience.eventservice;

/** A gateway app over the simulator at `baseUrl` (policies built with `clock`). */
export async function buildGatewayApp(
  pool: Pool,
  baseUrl: string,
  opts: { clock?: Clock; fanoutConcurrency?: number; settings?: Partial<PolicySettings> } = {},
): Promise<{ app: App; policies: EventsGatewayPolicies }> {
  const policies = createEventsGatewayPolicies({ ...EVENT_SERVICE_SETTINGS, ...opts.settings }, opts.clock ? { clock: opts.clock } : {});
  const app = await buildTestApp(pool, { readiness: [eventsGatewayReadinessCheck(policies)] });
  await app.register(eventsGatewayRoutes, { baseUrl, policies, ...(opts.fanoutConcurrency ? { fanoutConcurrency: opts.fanoutConcurrency } : {}) });
  await app.ready();
  return { app, policies };
}

/** Simulator call stats (`GET /__sandbox/stats`). */
export interface SimStats {
  calls: Record<string, number>;
  maxInFlightByRoute: Record<string, number>;
  eventReads: Record<string, number>;
}

/** Read the simulator's call stats. */
export async function simStats(simUrl: string): Promise<SimStats> {
  return (await fetch(`${simUrl}/__sandbox/stats`)).json() as Promise<SimStats>;
}

/** POST a control route of the simulator. */
export async function simControl(simUrl: string, path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${simUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
}

/** Route keys of the simulator's stats. */
export const EVENT_READS = 'GET /getEventById/:id';
/** Route key of upstream writes. */
export const WRITES = 'POST /addEvent';
