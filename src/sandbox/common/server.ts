/**
 * Creating and starting simulator servers: a quiet Fastify app that parses JSON and
 * form-encoded bodies, and `startSimulator` which listens (port 0 = ephemeral), runs the
 * simulator's background tick and returns a handle with `url`, `setFaults` and `close`.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Faults, FaultState } from './faults.ts';
import type { SimClock } from './clock.ts';

/** A built (not yet listening) simulator. */
export interface SimulatorHandle<S> {
  app: FastifyInstance;
  state: S;
  faults: FaultState;
  clock: SimClock;
  /** Background work run every `tickMs` while listening (activity over wall time, webhook delivery). */
  tick?: () => void;
  tickMs?: number;
}

/** A listening simulator. */
export interface RunningSimulator<S> {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:4100. */
  url: string;
  port: number;
  host: string;
  app: FastifyInstance;
  state: S;
  clock: SimClock;
  /** Current knobs. */
  faults(): Faults;
  /** Patch knobs (unvalidated: callers are tests and the runner) and return the result. */
  setFaults(patch: Partial<Faults>): Faults;
  /** Stop listening, destroy held sockets, stop background work. */
  close(): Promise<void>;
}

/** A Fastify instance configured for simulators (logger off, JSON + urlencoded bodies). */
export function createSimulatorApp(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, out);
  });
  return app;
}

/** Listen on `port` (default 0 = ephemeral) and `host` (default 127.0.0.1). */
export async function startSimulator<S>(
  build: SimulatorHandle<S> | (() => SimulatorHandle<S> | Promise<SimulatorHandle<S>>),
  opts: { port?: number; host?: string } = {},
): Promise<RunningSimulator<S>> {
  const sim = typeof build === 'function' ? await build() : build;
  const host = opts.host ?? '127.0.0.1';
  let timer: NodeJS.Timeout | undefined;
  if (sim.tick) {
    const tick = sim.tick;
    timer = setInterval(() => {
      try {
        tick();
      } catch {
        // Background activity must never crash the process; the next request surfaces errors.
      }
    }, sim.tickMs ?? 1000);
    timer.unref();
  }
  sim.app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });
  await sim.app.listen({ port: opts.port ?? 0, host });
  const addr = sim.app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`,
    port,
    host,
    app: sim.app,
    state: sim.state,
    clock: sim.clock,
    faults: () => sim.faults.get(),
    setFaults: (patch) => sim.faults.set(patch),
    close: () => sim.app.close(),
  };
}
