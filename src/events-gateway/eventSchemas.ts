/** Zod schemas of the events gateway: upstream wire shapes (docs/upstreams.md#event-service), request bodies, responses. */
import { z } from 'zod';

// The event service's ids are strings; a number is accepted and kept as its decimal string.
const wireId = z.union([z.string(), z.number()]).transform(String);

/** A user as the event service and the gateway serve it. */
export const userView = z.object({
  id: z.string(),
  name: z.string(),
  events: z.array(z.string()).meta({ description: 'Ids of the user’s events.' }),
});
/** A user. */
export type User = z.infer<typeof userView>;

/** An event as the event service and the gateway serve it. */
export const eventView = z.object({ id: z.string(), name: z.string(), userId: z.string() });
/** An event. */
export type Event = z.infer<typeof eventView>;

/**
 * Upstream user (ids normalized to strings). The public mock of the service names the field
 * `userName` (and adds `email`); either name is read, `name` first.
 */
export const wireUser = z
  .object({ id: wireId, name: z.string().optional(), userName: z.string().optional(), events: z.array(wireId) })
  .refine((u) => u.name !== undefined || u.userName !== undefined, { message: 'a user needs a name (or userName)' })
  .transform(({ id, name, userName, events }) => ({ id, name: (name ?? userName) as string, events }));
/** Upstream event (ids normalized to strings). */
export const wireEvent = z.object({ id: wireId, name: z.string(), userId: wireId });
/** Upstream `POST /addEvent` answer: `{success, event}` (or the bare event). */
export const wireAddEventResult = z.union([z.object({ event: wireEvent }), wireEvent.transform((event) => ({ event }))]);

/** Body of POST /addEvent (unknown fields rejected). */
export const addEventBody = z.strictObject({
  name: z.string().min(1).max(200).refine((s) => s.trim().length > 0, { message: 'name must not be blank' }),
  userId: z.string().min(1).max(128),
});
/** A validated POST /addEvent body. */
export type AddEventInput = z.infer<typeof addEventBody>;

/** Path params of GET /getEventsByUserId/:id. */
export const userIdParams = z.object({ id: z.string().min(1).max(128) });

/** 200 of POST /addEvent. */
export const addEventView = z.object({ success: z.literal(true), event: eventView });

/** Failure of POST /addEvent (the event service's contract: `{success:false, error, …}`, not the app's error shape). */
export const writeFailureView = z
  .object({
    success: z.literal(false),
    error: z.string(),
    message: z.string().optional(),
    retryAfter: z.number().int().optional().meta({ description: 'Seconds until the breaker lets a probe through (while OPEN).' }),
    circuitBreakerState: z.literal('OPEN').optional(),
  })
  .meta({ description: 'Seed 003 failure body. While the breaker is open: 503 with retryAfter and circuitBreakerState "OPEN", upstream not called.' });

/** Application error body (documentation only). */
export const errorView = z.object({ error: z.string(), message: z.string() }).loose();
