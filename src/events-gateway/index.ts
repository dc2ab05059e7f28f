/** Events gateway (docs/upstreams.md#event-service): the four routes over the event service, its client, policies and readiness. */
export { eventsGatewayRoutes } from './eventsGatewayRoutes.ts';

export { createEventsGatewayPolicies, type EventsGatewayPolicies } from './createEventsGatewayPolicies.ts';
export { eventsGatewayReadinessCheck } from './eventsGatewayReadinessCheck.ts';
export { fetchEventsForUser, EventFetchFailedError } from './fetchEventsForUser.ts';
export { createInFlightMap } from './shareInFlight.ts';
export { OPEN_BREAKER_MESSAGE } from './mapUpstreamFailure.ts';
export type { Event, User } from './eventSchemas.ts';
