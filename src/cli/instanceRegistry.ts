/**
 * The per-user list of running `buffalo start` processes (`$XDG_STATE_HOME/buffalo/instances.json`,
 * default `~/.local/state/buffalo/instances.json`), so a read-only command run from another
 * directory finds the instance instead of creating one. An entry whose pid is dead is stale and
 * ignored (and dropped on the next write). No secret is kept here: the embedded server's port,
 * the data directory (whose dev keys file stays 0600) and the API's URL.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** One running `buffalo start`. */
export interface InstanceEntry {
  pid: number;
  /** Where it was started. */
  cwd: string;
  /** Its data directory, absolute. */
  dataDir: string;
  /** Port of its embedded PostgreSQL; absent when it runs on DATABASE_URL (not recorded: it holds a password). */
  pgPort?: number;
  /** The API's base URL, when the process serves it. */
  apiUrl?: string;
  startedAt: string;
}

/** Path of the registry for `env` (XDG_STATE_HOME, else HOME). */
export function registryPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_STATE_HOME || path.join(env.HOME || homedir(), '.local', 'state');
  return path.join(base, 'buffalo', 'instances.json');
}

/** The live instances (dead pids left out), newest first. Reads only. */
export function liveInstances(env: Record<string, string | undefined>): InstanceEntry[] {
  return readEntries(registryPath(env)).filter((e) => isAlive(e.pid)).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** Add `entry` (replacing one of the same pid, dropping stale ones). */
export function registerInstance(env: Record<string, string | undefined>, entry: InstanceEntry): void {
  const file = registryPath(env);
  write(file, [...readEntries(file).filter((e) => e.pid !== entry.pid && isAlive(e.pid)), entry]);
}

/** Remove the entry of `pid` (on shutdown). */
export function unregisterInstance(env: Record<string, string | undefined>, pid: number): void {
  const file = registryPath(env);
  const entries = readEntries(file);
  if (entries.some((e) => e.pid === pid)) write(file, entries.filter((e) => e.pid !== pid && isAlive(e.pid)));
}

function readEntries(file: string): InstanceEntry[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { instances?: unknown };
    return Array.isArray(parsed.instances) ? (parsed.instances as InstanceEntry[]).filter((e) => Number.isInteger(e?.pid) && typeof e.dataDir === 'string') : [];
  } catch {
    return [];
  }
}

// Written whole and renamed into place: two processes starting at once never leave half a file.
function write(file: string, instances: InstanceEntry[]): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ instances }, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
