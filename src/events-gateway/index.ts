/** Events gateway (docs/upstreams.md#event-service): the four routes over the event service, its client, policies and readiness. */
export { eventsGatewayRoutes, type EventsGatewayOptions } from './eventsGatewayRoutes.ts';
export { createEventServiceClient, MalformedUpstreamResponseError, type EventServiceClient } from './createEventServiceClient.ts';
export { createEventsGatewayPolicies, POLICY_NAMES, type EventsGatewayPolicies } from './createEventsGatewayPolicies.ts';
export { eventsGatewayReadinessCheck } from './eventsGatewayReadinessCheck.ts';
export { fetchEventsForUser, EventFetchFailedError, DEFAULT_FANOUT_CONCURRENCY } from './fetchEventsForUser.ts';
export { createInFlightMap, type InFlightMap } from './shareInFlight.ts';
export { OPEN_BREAKER_MESSAGE } from './mapUpstreamFailure.ts';
export type { AddEventInput, Event, User } from './eventSchemas.ts';
