import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { wireSandbox } from '../../src/cli/wireSandbox.ts';
import type { InstanceEntry } from '../../src/cli/instanceRegistry.ts';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startSandbox } from '../../src/sandbox/index.ts';
import { freePort } from '../../bench/ports.ts';

// A development shell with nothing configured: every upstream would be simulated.
function shell(): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-wire-'));
  return { NODE_ENV: 'development', BUFFALO_DATA_DIR: dir };
}

const instance = (simulators: Record<string, string>): InstanceEntry => ({ pid: 4242, cwd: '/srv/app', dataDir: '/srv/app/.buffalo', simulators, startedAt: new Date().toISOString() });

describe('wireSandbox beside a running instance on the same database', () => {
  it('uses the instance\'s simulators (whatever SANDBOX_PORT says here) and starts none of its own', async () => {
    const sim = await startSandbox({ basePort: 0, only: ['gcal'] });
    let wired: Awaited<ReturnType<typeof wireSandbox>> | undefined;
    try {
      const env = { ...shell(), SANDBOX_PORT: String(await freePort()) };
      wired = await wireSandbox(resolveConfig(env), { own: false, env, logger: silentLogger, instance: instance({ gcal: sim.urls.gcal! }) });
      assert.equal(wired.sandbox, undefined, 'no sandbox started');
      assert.deepEqual(wired.simulated, ['gcal']);
      assert.equal(wired.config.gcal.apiBase, sim.urls.gcal);
      // Upstreams the instance does not simulate stay unwired, with why.
      assert.equal(wired.config.stripe.apiBase, undefined);
      assert.match(wired.withheld.stripe ?? '', /stripe is not simulated by the running buffalo \(pid 4242, started in \/srv\/app\)/);
    } finally {
      await wired?.sandbox?.close();
      await sim.close();
    }
  });

  it('refuses, naming what to do, when the instance\'s simulators do not answer (rather than starting a stand-in)', async () => {
    const env = shell();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const outcome = await wireSandbox(resolveConfig(env), { own: false, env, logger: silentLogger, instance: instance({ gcal: dead }) }).then(
      async (wired) => {
        await wired.sandbox?.close();
        return new Error('wired instead of refusing');
      },
      (err: Error) => err,
    );
    assert.match(outcome.message, /the running buffalo \(pid 4242, started in \/srv\/app\) uses this database and simulates gcal, but http:\/\/127\.0\.0\.1:\d+ does not answer/);
    assert.match(outcome.message, /Restart that `buffalo start`/);
  });
});
