import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, countOnEmbedded, isolatedBuffalo } from './buffaloChild.ts';


const runningSyncs = (pgPort: number) => countOnEmbedded(pgPort, "SELECT count(*)::int AS n FROM sync_runs WHERE source = 'adplatform' AND status = 'running'");

describe('buffalo sync and Ctrl-C', () => {
  it('the first SIGINT interrupts the run: summary printed, run failed as interrupted, exit code 1, PostgreSQL stopped', { timeout: 90_000 }, async () => {
    const { dataDir, pgPort, env } = await isolatedBuffalo('buffalo-sync-int-');
    // The simulated ad platform allows 10 requests/min: a full sync takes minutes, so it is mid-run below.
    const child = spawn(process.execPath, [BIN, 'sync', 'adplatform', '--full'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while ((await runningSyncs(pgPort)) === 0) {
        if (child.exitCode !== null) throw new Error(`buffalo sync exited early:\n${out}\n${err}`);
        if (Date.now() > deadline) throw new Error(`the sync never started:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 1, `exit code (stdout:\n${out}\nstderr:\n${err})`);
      assert.match(err, /SIGINT: interrupting/);
      assert.match(out, /status\s+failed/);
      assert.match(out, /interrupted \(interrupted by SIGINT\); the next run resumes from the last committed page/);
      assert.equal(existsSync(path.join(dataDir, 'pg', 'postmaster.pid')), false, 'the embedded PostgreSQL was stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
