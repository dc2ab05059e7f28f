/**
 * The server already running on a cluster, if any, and whether a live Buffalo process owns it.
 * The server runs in a session of its own (spawnPostgres.ts), so a Buffalo process killed with
 * SIGKILL — no exit hook runs — leaves it running, reparented to init: an orphan nobody stops.
 * Each start records its own pid as the owner; a server whose parent is no longer that owner
 * is an orphan, and the next start stops it (then starts its own server).
 */
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A server found running on a cluster. */
export interface LivePostmaster {
  pid: number;
  port: number;
  /** Its owner died (SIGKILL) or was never recorded: no process will ever stop it. */
  orphaned: boolean;
}

const OWNER_FILE = 'buffalo-owner.pid';

/** The live postmaster of the cluster in `dir`; a stale postmaster.pid (pid dead or recycled) is removed. */
export function livePostmaster(dir: string): LivePostmaster | undefined {
  const pidFile = path.join(dir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  // postmaster.pid: line 1 pid, line 4 port.
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (!isAlive(pid) || !servesCluster(pid, dir)) {
    // PostgreSQL only refuses a postmaster.pid whose pid is alive, and a recycled pid of some
    // other process would block start-up forever.
    rmSync(pidFile, { force: true });
    return undefined;
  }
  return { pid, port, orphaned: parentOf(pid) !== readOwner(dir) };
}

/** Record this process as the owner of the server it is about to start on `dir`. */
export function claimCluster(dir: string): void {
  writeFileSync(path.join(dir, OWNER_FILE), `${process.pid}\n`);
}

/**
 * Fast shutdown (SIGINT) of a server that is not our child, and wait until it is gone. There is
 * no 'exit' event for another process's child, so its pid is watched.
 */
export async function stopPostmaster(pid: number, timeoutMs = 60_000): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${pid}) did not stop within ${timeoutMs} ms of a fast shutdown`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether `pid` runs (a zombie waiting for its reaper has already stopped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return procStat(pid).state !== 'Z';
  } catch {
    // Gone between the two reads — or no /proc at all (macOS), where the signal probe is all we have.
    return !existsSync('/proc/self/stat');
  }
}

// The postmaster's working directory is its data directory: a pid recycled by another postgres
// (another cluster on this machine) does not count. Without the right to read it (another
// user's process), fall back to the program name.
function servesCluster(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
    } catch {
      return false;
    }
  }
}

function readOwner(dir: string): number | undefined {
  const file = path.join(dir, OWNER_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function parentOf(pid: number): number | undefined {
  try {
    return procStat(pid).ppid;
  } catch {
    return undefined;
  }
}

// /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
function procStat(pid: number): { state: string; ppid: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: state ?? '', ppid: Number(ppid) };
}
