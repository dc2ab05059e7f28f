/**
 * fan-out: GET /getEventsByUserId for the simulator's user with 50 events, each event read
 * taking 500 ms upstream, through `buffalo start --role api` — vs one upstream round trip (a
 * single GET /getEventById straight to the simulator), both timed the same way from the bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox } from '../../src/sandbox/index.ts';
import { FANOUT_EVENT_COUNT, FANOUT_USER_ID } from '../../src/sandbox/eventservice/index.ts';
import { percentile, result, round, targets, timed } from '../measure.ts';
import { freePort } from '../ports.ts';
import { BENCH_KEYS, spawnBuffalo, waitForOk } from '../spawnBuffalo.ts';
import type { Scenario } from '../types.ts';

/** Options of the fan-out scenario. */
export interface FanOutOptions {
  /** Sequential timed requests per side (after one warm-up). */
  iterations: number;
  /** Upstream latency of one event read (the simulator's EVENT_LATENCY_MS knob). */
  eventLatencyMs: number;
}

/** The fan-out scenario. */
export const fanOutScenario: Scenario<FanOutOptions> = {
  name: 'fan-out',
  description: 'getEventsByUserId with 50 events at 500 ms upstream latency vs one upstream round trip',
  async run(ctx, opts) {
    const db = await ctx.databases.fresh({ poolMax: 2 });
    const sandbox = await startSandbox({ basePort: 0, only: ['eventservice'], env: { SANDBOX_EVENTSERVICE_EVENT_LATENCY_MS: String(opts.eventLatencyMs) } });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'buffalo-bench-fanout-'));
    try {
      const upstream = sandbox.urls.eventservice as string;
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const api = spawnBuffalo(
        ['start', '--role', 'api'],
        { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), SANDBOX: 'off', EVENT_API_BASE_URL: upstream, BUFFALO_DATA_DIR: dataDir, ...BENCH_KEYS },
        dataDir,
      );
      let gateway: number[];
      let eventId: string;
      try {
        await waitForOk(`${base}/readyz`, api, 60_000);
        const user = (await (await fetch(`${upstream}/getUserById/${FANOUT_USER_ID}`)).json()) as { events: string[] };
        eventId = String(user.events[0]);
        const fanOut = async () => {
          const res = await fetch(`${base}/getEventsByUserId/${FANOUT_USER_ID}`, { headers: { 'x-api-key': BENCH_KEYS.API_KEY } });
          const body = (await res.json()) as unknown[];
          if (res.status !== 200 || body.length !== FANOUT_EVENT_COUNT) throw new Error(`fan-out bench: ${res.status}, ${Array.isArray(body) ? body.length : 'no'} events`);
        };
        ctx.log(`fan-out: ${opts.iterations} × GET /getEventsByUserId/${FANOUT_USER_ID} (${FANOUT_EVENT_COUNT} events, ${opts.eventLatencyMs} ms each upstream)`);
        gateway = await sequential(fanOut, opts.iterations);
      } finally {
        await api.stop();
      }
      const single = async () => {
        const res = await fetch(`${upstream}/getEventById/${eventId}`);
        await res.json();
        if (res.status !== 200) throw new Error(`fan-out bench: upstream answered ${res.status}`);
      };
      ctx.log(`fan-out: ${opts.iterations} × one upstream GET /getEventById`);
      const baseline = await sequential(single, opts.iterations);
      return [
        result({
          scenario: 'fan-out',
          metric: `getEventsByUserId (${FANOUT_EVENT_COUNT} events) p50`,
          value: round(percentile(gateway, 50), 0),
          unit: 'ms',
          baseline: { name: 'one upstream round trip (GET /getEventById)', value: round(percentile(baseline, 50), 0), unit: 'ms' },
          target: targets.ratioAtMost(1.2, 'one round trip'),
          params: { events: FANOUT_EVENT_COUNT, eventLatencyMs: opts.eventLatencyMs, iterations: opts.iterations, maxMs: round(Math.max(...gateway), 0), baselineMaxMs: round(Math.max(...baseline), 0) },
        }),
      ];
    } finally {
      await sandbox.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

async function sequential(fn: () => Promise<void>, iterations: number): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) out.push((await timed(fn)).ms);
  return out;
}
