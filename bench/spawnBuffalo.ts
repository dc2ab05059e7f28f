/**
 * `buffalo start` as a child process (the real composition root, CLI included), for the
 * scenarios that measure the HTTP API or start-up. The child gets a minimal environment (only
 * what is passed plus PATH/HOME) and a temp working directory, so no `.env` or shell variable
 * of the developer's leaks into a figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'buffalo.js');

/** A running `buffalo` child. */
export interface BuffaloChild {
  child: ChildProcess;
  /** Last output lines (for error messages). */
  output(): string;
  /** SIGTERM and wait for exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Spawn `node bin/buffalo.js ...args` with `env` (plus PATH/HOME) in `cwd`. */
export function spawnBuffalo(args: string[], env: Record<string, string>, cwd: string): BuffaloChild {
  // BUFFALO_BENCH_PROFILE_DIR: write a V8 CPU profile of each child there (on exit), to see where a figure goes.
  const profileDir = process.env.BUFFALO_BENCH_PROFILE_DIR;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => tail,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Poll `url` until it answers 200; throws if the child exits first or `timeoutMs` passes. */
export async function waitForOk(url: string, child: BuffaloChild, timeoutMs: number, pollMs = 25): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.child.exitCode !== null || child.child.signalCode !== null) throw new Error(`buffalo exited (${child.child.exitCode ?? child.child.signalCode}) before ${url} answered 200:\n${child.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Keys and secrets of bench API children (fixed, bench-only values). */
export const BENCH_KEYS = {
  API_KEY: 'bench-api-key-0123456789abcdef',
  ADMIN_API_KEY: 'bench-admin-key-0123456789abcdef',
  JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789',
  BUFFALO_SECRET_KEY: '3be0c79d14a8f26e5b0d9c3a7e18f462c5ad093b7e21f84d6a5c0b9e3f7128d4',
};
