/**
 * The gateway's two policies over the event service. Reads retry transient failures; writes
 * get their own breaker (3 failures in 30 s → open 10 s, doubling to 60 s: docs/upstreams.md#resilience-defaults) and are
 * never retried, since a retried POST /addEvent could create the event twice.
 */
import type { PolicySettings } from '../config.ts';
import type { Logger } from '../log.ts';
import { createPolicy, type Clock, type UpstreamPolicy } from '../resilience/index.ts';

/** Read and write policies of the event service. */
export interface EventsGatewayPolicies {
  read: UpstreamPolicy;
  write: UpstreamPolicy;
}

/** Policy names as they appear in /readyz and the `buffalo_upstream_*` metrics. */
export const POLICY_NAMES = { read: 'eventservice', write: 'eventservice-write' } as const;

/** Build both policies from the event service's settings (`config.resilience.eventservice`). */
export function createEventsGatewayPolicies(settings: PolicySettings, deps: { clock?: Clock; logger?: Logger } = {}): EventsGatewayPolicies {
  return { read: createPolicy(POLICY_NAMES.read, settings, deps), write: createPolicy(POLICY_NAMES.write, settings, deps) };
}
