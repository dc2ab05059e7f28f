/**
 * The event service's API (docs/upstreams.md#event-service): `/getUsers`, `/getUserById/:id`, `/getEvents`,
 * `/getEventById/:id` (slow: 500 ms by default) and `POST /addEvent`, whose writes follow the
 * service's cycle under load: `writeOkCount` succeed, then `writeFailCount` answer 503, repeating.
 * Writes honour `Idempotency-Key` as Stripe does (see idempotentWrites.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimKnobs } from '../common/index.ts';
import type { EventServiceState } from './state.ts';

/** Simulator-specific knobs of the event service. */
export interface EventServiceKnobs extends Record<string, number | boolean> {
  /** Latency of `GET /getEventById/:id` (the original: 500 ms). */
  eventLatencyMs: number;
  /** Time a write spends running before it answers (default 0); a key answers 409 meanwhile. */
  writeLatencyMs: number;
  /** Writes that succeed in each cycle (the original: 5). */
  writeOkCount: number;
  /** Writes that then fail with 503 (the original: 10); 0 = never. */
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
    const raw = req.headers['idempotency-key'];
    const key = typeof raw === 'string' && raw.length > 0 ? raw : undefined;
    if (key) {
      const verdict = state.keys.check(key, req.body);
      if (verdict.kind === 'replay') return reply.code(verdict.result.status).header('Idempotent-Replayed', 'true').send(verdict.result.body);
      if (verdict.kind === 'mismatch') {
        return reply.code(400).send({ success: false, error: 'Idempotency key reused', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' });
      }
      if (verdict.kind === 'in_progress') {
        return reply.code(409).send({ success: false, error: 'Idempotency key in use', message: 'There is currently another in-progress request using this Idempotency-Key; retry later.' });
      }
    }
    // As on the original service, every call takes a slot of the cycle, valid or not.
    if (!state.nextWriteSlot({ on: k.writeCycle, ok: k.writeOkCount, fail: k.writeFailCount })) {
      state.recordWriteFailure();
      return reply.code(503).send({ success: false, error: 'Service temporarily unavailable', message: 'Event API is experiencing high load' });
    }
    const parsed = addEventBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ success: false, error: 'Invalid body', message: z.prettifyError(parsed.error) });
    if (key) state.keys.start(key, req.body);
    if (k.writeLatencyMs > 0) await new Promise((r) => setTimeout(r, k.writeLatencyMs));
    const event = state.addEvent(parsed.data.name, parsed.data.userId);
    const result = event ? { status: 200, body: { success: true, event } } : { status: 404, body: { success: false, error: 'User not found' } };
    if (key) state.keys.finish(key, result);
    return reply.code(result.status).send(result.body);
  });
}
