/**
 * Fault injection as a Fastify `onRequest` hook: latency, rate limit (vendor 429 responder),
 * scripted faults (a vendor's deterministic pattern), then rolled timeouts (socket held open,
 * never answered) and 503s (vendor responder). Control paths (`/__sandbox/*`) and `/health` are
 * never faulted.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultState } from './faults.ts';
import type { Rng } from './random.ts';

/** What the limiter knows when it answers or lets a request through. */
export interface RateLimitInfo {
  /** Requests allowed per window. */
  limit: number;
  /** Requests left in the current window (after this one, when allowed). */
  remaining: number;
  /** Window length (ms). */
  windowMs: number;
  /** ms until a slot frees up (0 when not limited). */
  retryAfterMs: number;
}

/** Vendor-specific answers for injected faults; each must send the reply. */
export interface FaultResponders {
  /** Answer a rolled error (503 unless the vendor says otherwise). */
  unavailable(req: FastifyRequest, reply: FastifyReply): void;
  /** Answer a rate-limited call (429 or the vendor's equivalent). */
  rateLimited(req: FastifyRequest, reply: FastifyReply, info: RateLimitInfo): void;
  /** Optional: decorate a call that passed the limiter (e.g. X-RateLimit-* headers). */
  allowed?(req: FastifyRequest, reply: FastifyReply, info: RateLimitInfo): void;
}

/** Options of `installFaultHooks`. */
export interface FaultHookOptions {
  faults: FaultState;
  responders: FaultResponders;
  /** Rng for fault rolls (seeded → reproducible fault sequences). */
  rng: Rng;
  /** Limiter window; the limit per window is `rateLimitPerMin * windowMs / 60000` (≥ 1). Default 60 s. */
  windowMs?: number;
  /** Who a limit applies to; default the Authorization header, else the client IP. */
  clientKey?: (req: FastifyRequest) => string;
  /** Time source of the limiter (wall time by default: limits are about real request rates). */
  now?: () => number;
  /** How long a "timed out" socket is held before being destroyed. Default 60 s. */
  holdMs?: number;
  /**
   * Requests let through per window beyond the limit (read per call). Some upstreams compare
   * before they record, so "10 per minute" really admits 11; default 0.
   */
  overshoot?: () => number;
  /**
   * A vendor's deterministic fault pattern, asked after the limiter and before the rolled
   * faults (e.g. "every 5th list call is a 503"); undefined lets the call go on.
   */
  scripted?: (req: FastifyRequest) => ScriptedFault | undefined;
}

/** A fault a `scripted` hook asks for. */
export type ScriptedFault = 'timeout' | 'unavailable';

/** True for paths that faults never touch. */
export function isControlPath(url: string): boolean {
  return url.startsWith('/__sandbox/') || url === '/health' || url.startsWith('/health?');
}

/** Counters of injected faults (exposed by control routes for test assertions). */
export interface FaultCounters {
  requests: number;
  errors: number;
  timeouts: number;
  rateLimited: number;
}

/** Install the fault hook on `app`; returns live counters. Register it before auth hooks. */
export function installFaultHooks(app: FastifyInstance, opts: FaultHookOptions): FaultCounters {
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const holdMs = opts.holdMs ?? 60_000;
  const clientKey = opts.clientKey ?? ((req: FastifyRequest) => req.headers.authorization ?? req.ip);
  const windows = new Map<string, number[]>();
  const held = new Set<Socket>();
  const counters: FaultCounters = { requests: 0, errors: 0, timeouts: 0, rateLimited: 0 };

  app.addHook('onRequest', async (req, reply) => {
    if (isControlPath(req.url)) return;
    counters.requests++;
    const f = opts.faults.get();
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.rateLimitPerMin > 0) {
      const limit = Math.max(1, Math.floor((f.rateLimitPerMin * windowMs) / 60_000));
      const t = now();
      const key = clientKey(req);
      const recent = (windows.get(key) ?? []).filter((at) => t - at < windowMs);
      windows.set(key, recent);
      if (recent.length >= limit + Math.max(0, opts.overshoot?.() ?? 0)) {
        counters.rateLimited++;
        const retryAfterMs = Math.max(1, windowMs - (t - (recent[0] ?? t)));
        opts.responders.rateLimited(req, reply, { limit, remaining: 0, windowMs, retryAfterMs });
        return reply;
      }
      recent.push(t);
      opts.responders.allowed?.(req, reply, { limit, remaining: Math.max(0, limit - recent.length), windowMs, retryAfterMs: 0 });
    }
    const scripted = opts.scripted?.(req);
    if (scripted === 'unavailable') return unavailable(req, reply);
    if (scripted === 'timeout' || opts.rng.chance(f.timeoutRate)) return holdForever(req, reply);
    if (opts.rng.chance(f.errorRate)) return unavailable(req, reply);
  });

  function unavailable(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    counters.errors++;
    opts.responders.unavailable(req, reply);
    return reply;
  }

  // Never answer: the client sees a timeout. The socket is destroyed later so it cannot leak.
  function holdForever(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    counters.timeouts++;
    reply.hijack();
    const socket = req.raw.socket;
    held.add(socket);
    const timer = setTimeout(() => socket.destroy(), holdMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      held.delete(socket);
    });
    return reply;
  }

  // preClose, not onClose: server.close() waits for open sockets, so held ones must go first.
  app.addHook('preClose', async () => {
    for (const s of held) s.destroy();
    held.clear();
  });
  return counters;
}
