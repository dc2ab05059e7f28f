/**
 * Client of the event service (docs/upstreams.md#event-service): reads through the read policy, `addEvent` through the
 * write policy with a single attempt. Answers are validated at this edge; identical in-flight
 * `getEventById` calls are shared across all callers of one client.
 */
import type { z } from 'zod';
import { requestJson, type UpstreamPolicy } from '../resilience/index.ts';
import type { EventsGatewayPolicies } from './createEventsGatewayPolicies.ts';
import { wireAddEventResult, wireEvent, wireUser, type AddEventInput, type Event, type User } from './eventSchemas.ts';
import { createInFlightMap } from './shareInFlight.ts';

/** Thrown when the event service answers 2xx with a body that is not the documented shape. */
export class MalformedUpstreamResponseError extends Error {
  override name = 'MalformedUpstreamResponseError';
}

/** Calls to the event service. Failures are the resilience kit's errors (UpstreamHttpError, CircuitOpenError, …). */
export interface EventServiceClient {
  readonly policies: EventsGatewayPolicies;
  getUsers(): Promise<User[]>;
  getEvents(): Promise<Event[]>;
  /** An unknown user is an UpstreamHttpError with status 404. */
  getUserById(id: string): Promise<User>;
  /** Joins an identical call already in flight. */
  getEventById(id: string): Promise<Event>;
  /**
   * One attempt, never retried. With `idempotencyKey` the service makes the event at most once
   * per key: a repeat of the call answers the first call's event.
   */
  addEvent(input: AddEventInput, opts?: { idempotencyKey?: string }): Promise<Event>;
}

/** Build a client of the event service at `baseUrl`. */
export function createEventServiceClient(opts: { baseUrl: string; policies: EventsGatewayPolicies }): EventServiceClient {
  const { read, write } = opts.policies;
  const url = (path: string) => new URL(path, opts.baseUrl).toString();
  const eventsInFlight = createInFlightMap<string, Event>();

  async function get<S extends z.ZodType>(policy: UpstreamPolicy, path: string, schema: S): Promise<z.output<S>> {
    const res = await requestJson(policy, { url: url(path) });
    return parse(schema, res.body, path);
  }

  return {
    policies: opts.policies,
    getUsers: () => get(read, '/getUsers', wireUser.array()),
    getEvents: () => get(read, '/getEvents', wireEvent.array()),
    getUserById: (id) => get(read, `/getUserById/${encodeURIComponent(id)}`, wireUser),
    getEventById: (id) => eventsInFlight.run(id, () => get(read, `/getEventById/${encodeURIComponent(id)}`, wireEvent)),
    async addEvent(input, opts = {}) {
      const headers = opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : undefined;
      const res = await requestJson(write, { method: 'POST', url: url('/addEvent'), body: { name: input.name, userId: input.userId }, ...(headers ? { headers } : {}) }, { retry: false });
      return parse(wireAddEventResult, res.body, '/addEvent').event;
    },
  };
}

function parse<S extends z.ZodType>(schema: S, body: unknown, path: string): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new MalformedUpstreamResponseError(`event service ${path} answered an unexpected body: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}
