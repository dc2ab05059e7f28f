/**
 * The event service's API (seed 003): `/getUsers`, `/getUserById/:id`, `/getEvents`,
 * `/getEventById/:id` (slow: 500 ms by default) and `POST /addEvent`, whose writes follow the
 * service's cycle under load: `writeOkCount` succeed, then `writeFailCount` answer 503, repeating.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimKnobs } from '../common/index.ts';
import type { EventServiceState } from './state.ts';

/** Simulator-specific knobs of the event service. */
export interface EventServiceKnobs extends Record<string, number | boolean> {
  /** Latency of `GET /getEventById/:id` (seed 003: 500 ms). */
  eventLatencyMs: number;
  /** Writes that succeed in each cycle (seed 003: 5). */
  writeOkCount: number;
  /** Writes that then fail with 503 (seed 003: 10); 0 = never. */
  writeFailCount: number;
  /** false turns the write cycle off (every write succeeds). */
  writeCycle: boolean;
}

const addEventBody = z.object({
  name: z.string().trim().min(1),
  userId: z.union([z.string().min(1), z.number().int()]).transform(String),
});

/** Register the event-service routes on `app`. */
export function registerEventServiceRoutes(app: FastifyInstance, deps: { state: () => EventServiceState; knobs: SimKnobs<EventServiceKnobs> }): void {
  app.get('/getUsers', async () => deps.state().users());

  app.get<{ Params: { id: string } }>('/getUserById/:id', async (req, reply) => {
    return deps.state().user(req.params.id) ?? reply.code(404).send({ error: 'User not found' });
  });

  app.get('/getEvents', async () => deps.state().events());

  app.get<{ Params: { id: string } }>('/getEventById/:id', async (req, reply) => {
    const state = deps.state();
    state.recordRead(req.params.id);
    const ms = deps.knobs.get().eventLatencyMs;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    return state.event(req.params.id) ?? reply.code(404).send({ error: 'Event not found' });
  });

  app.post('/addEvent', async (req, reply) => {
    const state = deps.state();
    const k = deps.knobs.get();
    // As on the original service, every call takes a slot of the cycle, valid or not.
    if (!state.nextWriteSlot({ on: k.writeCycle, ok: k.writeOkCount, fail: k.writeFailCount })) {
      state.recordWriteFailure();
      return reply.code(503).send({ success: false, error: 'Service temporarily unavailable', message: 'Event API is experiencing high load' });
    }
    const parsed = addEventBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ success: false, error: 'Invalid body', message: z.prettifyError(parsed.error) });
    const event = state.addEvent(parsed.data.name, parsed.data.userId);
    if (!event) return reply.code(404).send({ success: false, error: 'User not found' });
    return { success: true, event };
  });
}
