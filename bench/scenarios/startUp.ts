/**
 * start-up: `buffalo start` (a child process, fresh temp BUFFALO_DATA_DIR, its own ports) until
 * `/readyz` answers 200 — the first run (initdb, migrations, dev keys) and a warm one (second
 * start on the same data dir) — as installed: the bench first runs what `npm install`'s prepare
 * script runs (dashboard bundle, prebuilt CLI bundle), so bin/buffalo.js takes the bundle. Baseline, measured in the same run: what no start-up can avoid —
 * loading the CLI (`buffalo --help`) plus starting the embedded PostgreSQL alone (with initdb
 * for the first run; on the same data dir for the warm one).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../../src/db/index.ts';
import { result, round, targets, timed } from '../measure.ts';
import { freePort, freePortRange } from '../ports.ts';
import { spawnBuffalo, waitForOk } from '../spawnBuffalo.ts';
import type { Scenario } from '../types.ts';

/** Options of the start-up scenario (none yet). */
export type StartUpOptions = Record<string, never>;

const READY_TIMEOUT_MS = 180_000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The prepare script's two builds; false when one fails (no esbuild): the CLI then runs from sources.
function buildAsInstalled(): boolean {
  const steps = [
    ['--import', 'tsx', 'src/dashboard/buildCli.ts'],
    ['bin/build-cli.js'],
  ];
  return steps.every((args) => spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' }).status === 0);
}

/** The start-up scenario. */
export const startUpScenario: Scenario<StartUpOptions> = {
  name: 'start-up',
  description: '`buffalo start` to /readyz 200, first run and warm',
  async run(ctx) {
    const root = mkdtempSync(path.join(tmpdir(), 'buffalo-bench-start-'));
    // As root, the embedded server runs as `postgres`, which must reach the data dir.
    chmodSync(root, 0o755);
    try {
      const dataDir = path.join(root, 'data');
      const port = await freePort();
      const env = {
        BUFFALO_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: String(port),
        SANDBOX_PORT: String(await freePortRange(6)),
        BUFFALO_EMBEDDED_PG_PORT: String(await freePort()),
      };
      const startOnce = async (label: string) => {
        ctx.log(`start-up: ${label} \`buffalo start\``);
        const t0 = performance.now();
        const child = spawnBuffalo(['start'], env, root);
        try {
          await waitForOk(`http://127.0.0.1:${port}/readyz`, child, READY_TIMEOUT_MS);
          return performance.now() - t0;
        } finally {
          await child.stop();
        }
      };
      ctx.log('start-up: building the dashboard and CLI bundles (as `npm install` does)');
      const build = await timed(async () => buildAsInstalled());
      const first = await startOnce('first');
      const warm = await startOnce('warm');

      ctx.log('start-up: baselines (CLI load; embedded PostgreSQL alone)');
      const cli = await timed(async () => {
        const child = spawnBuffalo(['--help'], {}, root);
        await new Promise<void>((resolve) => child.child.once('exit', () => resolve()));
      });
      const pgPort = Number(env.BUFFALO_EMBEDDED_PG_PORT);
      const pgWarm = await timed(() => startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), port: pgPort }));
      await pgWarm.result.stop();
      const freshDir = path.join(root, 'fresh-pg');
      const pgFirst = await timed(() => startEmbeddedPostgres({ dir: freshDir, port: pgPort }));
      await pgFirst.result.stop();

      const s = (ms: number) => round(ms / 1000, 2);
      const params = { cli: build.result ? 'prebuilt bundle (dist/buffalo.mjs), as after npm install' : 'TypeScript sources via tsx (bundle build failed)', bundleBuildS: s(build.ms), cliLoadS: s(cli.ms), pgInitAndStartS: s(pgFirst.ms), pgStartS: s(pgWarm.ms), role: 'all', sandbox: 'auto (all six simulators)', database: 'embedded, durable (fsync on)' };
      return [
        result({ scenario: 'start-up', metric: 'first `buffalo start` → /readyz 200', value: s(first), unit: 's', baseline: { name: 'CLI load + initdb + PostgreSQL start', value: s(cli.ms + pgFirst.ms), unit: 's' }, params }),
        result({ scenario: 'start-up', metric: 'warm `buffalo start` → /readyz 200', value: s(warm), unit: 's', baseline: { name: 'CLI load + PostgreSQL start', value: s(cli.ms + pgWarm.ms), unit: 's' }, target: targets.atMost(5, 's'), params }),
      ];
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
