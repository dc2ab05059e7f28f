/**
 * The events-gateway section of `/readyz`: both event-service breakers. Degraded (still 200)
 * while either is not closed: restarting the API would not heal the event service.
 */
import type { ReadinessCheck } from '../http/index.ts';
import type { EventsGatewayPolicies } from './createEventsGatewayPolicies.ts';

/** Build the readiness check over the gateway's read and write policies. */
export function eventsGatewayReadinessCheck(policies: EventsGatewayPolicies): ReadinessCheck {
  return {
    name: 'eventsGateway',
    async check() {
      const breakers = Object.fromEntries(
        Object.entries(policies).map(([role, p]) => [role, { upstream: p.name, state: p.breakerState(), retryAfterMs: p.breakerRetryAfterMs() }]),
      ) as Record<keyof EventsGatewayPolicies, { upstream: string; state: string; retryAfterMs: number }>;
      const degraded = Object.values(breakers).some((b) => b.state !== 'closed');
      return { ok: !degraded, degraded, breakers };
    },
  };
}
