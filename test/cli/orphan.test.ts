// `buffalo start` killed with SIGKILL runs no exit hook, and its PostgreSQL (in a session of its
// own) keeps running. The next start must not leave it running forever: after that start's
// shutdown, no PostgreSQL of the cluster may remain. The data directory is 0700, as in a
// `mktemp -d` checkout, so as root this also runs the relocated cluster and its banner line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { resolveClusterDir } from '../../src/db/index.ts';
import { BIN, isolatedBuffalo } from './buffaloChild.ts';
import { waitFor, whileRunning } from '../helpers/waitFor.ts';

interface Child {
  proc: ChildProcess;
  out(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startBuffalo(dataDir: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
  return { proc, out: () => out, exited };
}


async function ready(apiPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${apiPort}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // The orphan's reaper is init: a zombie there has stopped all the same.
  return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Every live process working in the cluster directory: the postmaster and its backends chdir there. */
function clusterProcesses(clusterDir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === clusterDir && alive(pid);
      } catch {
        return false; // gone, or another user's process
      }
    });
}

const postmasterPid = (clusterDir: string) => Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

describe('buffalo start after a SIGKILL', { skip: process.platform !== 'linux' ? 'reads /proc' : false }, () => {
  it('the next start stops the PostgreSQL the killed one left, and after its shutdown none remains', { timeout: 240_000 }, async () => {
    const { dataDir, apiPort, env } = await isolatedBuffalo('buffalo-orphan-');
    chmodSync(dataDir, 0o700);
    const pgDir = path.join(dataDir, 'pg');
    let clusterDir = pgDir;
    const children: Child[] = [];
    try {
      const killed = startBuffalo(dataDir, env);
      children.push(killed);
      await waitFor('/readyz 200', () => ready(apiPort), { timeoutMs: 90_000, ...whileRunning(killed.proc, killed.out, '/readyz 200') });
      clusterDir = resolveClusterDir(pgDir);
      if (userInfo().uid === 0) {
        assert.notEqual(clusterDir, pgDir, 'as root the cluster lives where the postgres user can reach it');
        // /readyz answers as soon as the API listens; the banner follows once the workers started.
        const where = new RegExp(`Database +embedded PostgreSQL: cluster in ${clusterDir}`);
        await waitFor('the start banner', () => /Buffalo is up/.test(killed.out()), { timeoutMs: 30_000, ...whileRunning(killed.proc, killed.out, 'the start banner') });
        assert.match(killed.out(), where, 'the banner says where');
      }
      const orphan = postmasterPid(clusterDir);
      killed.proc.kill('SIGKILL');
      await killed.exited;
      assert.equal(alive(orphan), true, 'the SIGKILLed start left its PostgreSQL running');

      const next = startBuffalo(dataDir, env);
      children.push(next);
      await waitFor('/readyz 200 from the next start', () => ready(apiPort), { timeoutMs: 90_000, ...whileRunning(next.proc, next.out, '/readyz 200') });
      assert.equal(alive(orphan), false, 'the next start stopped the orphan');
      assert.match(next.out(), /stopped the embedded PostgreSQL a killed buffalo process left running/);
      const own = postmasterPid(clusterDir);
      assert.notEqual(own, orphan);

      process.kill(next.proc.pid!, 'SIGTERM');
      assert.deepEqual(await next.exited, { code: 0, signal: null }, next.out().slice(-4000));
      assert.equal(alive(own), false, 'its own PostgreSQL stopped with it');
      assert.deepEqual(clusterProcesses(clusterDir), [], 'no PostgreSQL process of the cluster remains');
      assert.equal(existsSync(path.join(clusterDir, 'postmaster.pid')), false);
    } finally {
      // A failed test must not leave servers behind: they run in sessions of their own.
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      for (const pid of clusterProcesses(clusterDir)) process.kill(pid, 'SIGKILL');
      if (clusterDir !== pgDir) rmSync(clusterDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
