import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, countOnEmbedded, isolatedBuffalo, runBuffalo as run } from './buffaloChild.ts';
import { waitFor, whileRunning } from '../helpers/waitFor.ts';

// gcal is the third simulator from the sandbox's base port (src/sandbox/index.ts, SANDBOX_NAMES).
const GCAL_OFFSET = 2;

const finishedGcalRuns = (pgPort: number) => countOnEmbedded(pgPort, "SELECT count(*)::int AS n FROM sync_runs WHERE source = 'gcal' AND status IN ('success', 'partial')");

async function gcalRequests(sandboxPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${sandboxPort + GCAL_OFFSET}/__sandbox/stats`);
  return ((await res.json()) as { requests: number }).requests;
}

describe('CLI commands beside a running `buffalo start` on a non-default SANDBOX_PORT', () => {
  let dataDir: string;
  let apiPort: number;
  let pgPort: number;
  let sandboxPort: number;
  // The shell of the commands: same directory, but neither SANDBOX_PORT nor PORT of the instance.
  let cliEnv: Record<string, string>;
  let child: ChildProcess;
  let out = '';
  let key: string;
  before(async () => {
    const isolated = await isolatedBuffalo('buffalo-instance-sandbox-');
    ({ dataDir, apiPort, pgPort } = isolated);
    sandboxPort = Number(isolated.env.SANDBOX_PORT);
    const { SANDBOX_PORT: _sandbox, PORT: _port, ...rest } = isolated.env;
    cliEnv = rest;
    child = spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env: { ...isolated.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-8000)));
    child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-8000)));
    await waitFor('the start banner', () => out.includes('Buffalo is up'), { timeoutMs: 120_000, ...whileRunning(child, () => out) });
    key = apiKey(out);
  });
  after(async () => {
    const closed = new Promise((r) => child.once('close', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await closed;
  });

  it('`buffalo sync gcal` syncs from the instance\'s simulator: incremental from its cursor, no stale cursor, no backfill, nothing deleted', { timeout: 120_000 }, async () => {
    // The scheduler's first sync stores the cursor the instance's simulator issued.
    await waitFor('the instance\'s first gcal sync', async () => (await finishedGcalRuns(pgPort)) > 0, { timeoutMs: 60_000, ...whileRunning(child, () => out) });
    const before = await gcalRequests(sandboxPort);
    const r = await run(['sync', 'gcal'], { cwd: dataDir, env: cliEnv });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // A simulator of its own would not know the instance's sync token: 410, reset, full backfill.
    assert.match(r.stdout, /staleCursorDetected\s+false/);
    assert.match(r.stdout, /fullBackfillTriggered\s+false/);
    assert.ok((await gcalRequests(sandboxPort)) > before, 'the instance\'s gcal simulator served the command');
    const runId = /^ *run +(\S+)$/m.exec(r.stdout)?.[1];
    const res = await fetch(`http://127.0.0.1:${apiPort}/runs/${runId}`, { headers: { 'x-api-key': key } });
    assert.equal(res.status, 200, `GET /runs/${runId}`);
    const report = (await res.json()) as { recordsDeleted: number; trigger: string };
    assert.deepEqual([report.trigger, report.recordsDeleted], ['cli', 0]);
  });

  it('`buffalo status` reads the instance\'s API (its registered URL), not the shell\'s default port', { timeout: 60_000 }, async () => {
    const r = await run(['status'], { cwd: dataDir, env: cliEnv });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^API +http://127\\.0\\.0\\.1:${apiPort} +(ok|degraded)`, 'm'));
    assert.doesNotMatch(r.stdout, /API not reachable/);
  });
});

// The dev X-Api-Key the banner prints whole (generated for this data directory).
function apiKey(banner: string): string {
  const key = /X-Api-Key:\s+(bk_\S+)/.exec(banner)?.[1];
  assert.ok(key, banner);
  return key;
}
