/** Shared fixtures of the resilience tests: settings, a clock driver and a counting HTTP server. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PolicySettings } from '../../src/config.ts';
import type { ManualClock, PendingSleep } from '../../src/resilience/index.ts';

/** Attempt timeout used by HTTP tests: long enough to be told apart from retry/limiter waits. */
export const HTTP_TIMEOUT_MS = 600_000;

/** Policy settings with test-friendly defaults (no rate limit, generous deadline). */
export function settings(over: Partial<PolicySettings> = {}): PolicySettings {
  return {
    timeoutMs: HTTP_TIMEOUT_MS,
    deadlineMs: 3_600_000,
    maxAttempts: 3,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    breakerThreshold: 100,
    breakerWindowMs: 60_000,
    breakerHalfOpenAfterMs: 10_000,
    breakerMaxHalfOpenAfterMs: 60_000,
    rateLimitPerMin: 0,
    rateLimitBurst: 10,
    concurrency: 16,
    ...over,
  };
}

/**
 * Resolve `promise` by moving the manual clock from one pending sleep to the next.
 * While a sleep matching `busyWhile` is pending (an attempt's timeout: a request is in flight)
 * the clock is not moved, so time never passes while a real HTTP exchange is under way.
 */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, opts: { busyWhile?: (s: PendingSleep) => boolean } = {}): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  const giveUpAt = Date.now() + 10_000;
  while (!settled) {
    if (Date.now() > giveUpAt) throw new Error(`drive: promise still pending; sleeps: ${JSON.stringify(clock.pending())}`);
    const pending = clock.pending();
    const busy = opts.busyWhile ? pending.some(opts.busyWhile) : false;
    const next = pending.find((s) => !opts.busyWhile?.(s));
    if (!busy && next) await clock.advanceTo(next.wakeAt);
    else await new Promise((r) => setTimeout(r, 1));
  }
  return watched;
}

/** In-flight requests of the policy under test hold a timeout sleep of HTTP_TIMEOUT_MS. */
export const inFlight = (s: PendingSleep): boolean => s.ms >= HTTP_TIMEOUT_MS;

/** One request as the test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Manual-clock time of arrival. */
  at: number;
}

/** A local HTTP server on an ephemeral port that records every request. */
export async function startServer(
  clock: ManualClock,
  handle: (req: SeenRequest, res: ServerResponse, n: number) => void,
): Promise<{ url: string; requests: SeenRequest[]; close(): Promise<void> }> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: clock.now() };
      requests.push(seen);
      handle(seen, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answer JSON with a status and optional headers. */
export function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
