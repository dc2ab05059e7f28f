import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { BIN, isolatedBuffalo } from './buffaloChild.ts';
import { waitFor, whileRunning } from '../helpers/waitFor.ts';

/** `buffalo start` (all roles, sandbox) in its own process group, as a terminal runs it. */
interface Started {
  child: ChildProcess;
  dataDir: string;
  apiPort: number;
  pgPort: number;
  /** Everything written so far: [stdout, stderr]. */
  output(): [string, string];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startBuffalo(): Promise<Started> {
  const { dataDir, apiPort, pgPort, env: base } = await isolatedBuffalo('buffalo-shutdown-');
  const env = { ...base, LOG_LEVEL: 'info' };
  // detached: a process group of its own, so a test can signal the group the way Ctrl-C does.
  const child = spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  // 'close', not 'exit': the output is complete only once the pipes closed.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, dataDir, apiPort, pgPort, output: () => [out, err], exited };
}


async function ready(s: Started): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${s.apiPort}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

const logged = (s: Started, msg: string) => s.output()[0].includes(`"msg":${JSON.stringify(msg)}`);

type Mark = [number, number];

/** Send `signal` (to the whole group when `group`); the mark is where the output stood. */
function sendSignal(s: Started, signal: NodeJS.Signals, group: boolean): Mark {
  const [out, err] = s.output();
  process.kill(group ? -s.child.pid! : s.child.pid!, signal);
  return [out.length, err.length];
}

/** Send `signal` the moment a log line starting with `msgPrefix` is written (start-up steps follow each other within milliseconds). */
function signalOnLog(s: Started, msgPrefix: string, signal: NodeJS.Signals): Promise<Mark> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!s.output()[0].includes(`"msg":${JSON.stringify(msgPrefix).slice(0, -1)}`)) return;
      s.child.stdout?.off('data', onData);
      resolve(sendSignal(s, signal, false));
    };
    s.child.stdout?.on('data', onData);
    void s.exited.then(() => reject(new Error(`buffalo exited before logging ${msgPrefix}:\n${s.output().join('\n').slice(-4000)}`)));
  });
}

/** Wait for the exit and collect what was written after `mark`. */
async function collectExit(s: Started, [outBefore, errBefore]: Mark) {
  // A liveness bound (grace periods are 10 s), not a timing assertion.
  const killer = setTimeout(() => s.child.kill('SIGKILL'), 40_000);
  const exit = await s.exited;
  clearTimeout(killer);
  const [out, err] = s.output();
  const lines = out.slice(outBefore).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
  return { exit, lines, stderr: err.slice(errBefore).trim() };
}

async function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

// A failed test must not leave a server behind: the embedded PostgreSQL runs in its own session.
function cleanUp(s: Started): void {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  const pidFile = path.join(s.dataDir, 'pg', 'postmaster.pid');
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(s.dataDir, { recursive: true, force: true });
}

async function assertCleanShutdown(s: Started, result: Awaited<ReturnType<typeof collectExit>>): Promise<void> {
  const noisy = result.lines.filter((l) => l.level >= 40);
  assert.deepEqual(noisy, [], 'no warn/error line after the signal');
  assert.equal(result.stderr, '', 'nothing on stderr after the signal');
  assert.ok(result.lines.some((l) => l.msg === 'shutting down'), 'the signal started the shutdown');
  assert.deepEqual(result.exit, { code: 0, signal: null });
  assert.equal(existsSync(path.join(s.dataDir, 'pg', 'postmaster.pid')), false, 'the embedded PostgreSQL removed its postmaster.pid');
  assert.equal(await portClosed(s.pgPort), true, 'the embedded PostgreSQL port is closed');
}

describe('buffalo start: clean shutdown', { concurrency: true }, () => {
  it('SIGTERM while syncs run: every part stops before the database, no warn/error line, exit 0, PostgreSQL gone', async () => {
    const s = await startBuffalo();
    try {
      await waitFor('/readyz 200', () => ready(s), { timeoutMs: 90_000, ...whileRunning(s.child, () => s.output().join('\n'), '/readyz 200') });
      await waitFor('a sync to start', () => logged(s, 'sync started'), { timeoutMs: 30_000, ...whileRunning(s.child, () => s.output().join('\n'), 'a sync to start') });
      await assertCleanShutdown(s, await collectExit(s, sendSignal(s, 'SIGTERM', false)));
    } finally {
      cleanUp(s);
    }
  });

  it('Ctrl-C (SIGINT to the whole process group): PostgreSQL outlives the parts using it; no warn/error line, exit 0, PostgreSQL gone', async () => {
    const s = await startBuffalo();
    try {
      await waitFor('/readyz 200', () => ready(s), { timeoutMs: 90_000, ...whileRunning(s.child, () => s.output().join('\n'), '/readyz 200') });
      await assertCleanShutdown(s, await collectExit(s, sendSignal(s, 'SIGINT', true)));
    } finally {
      cleanUp(s);
    }
  });

  it('SIGTERM during start-up (API listening, workers starting): no part starts after it, no warn/error line, exit 0, PostgreSQL gone', async () => {
    const s = await startBuffalo();
    try {
      const mark = await signalOnLog(s, 'Server listening at', 'SIGTERM');
      await assertCleanShutdown(s, await collectExit(s, mark));
    } finally {
      cleanUp(s);
    }
  });
});
