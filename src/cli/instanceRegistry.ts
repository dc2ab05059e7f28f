/**
 * The per-user list of running `buffalo start` processes (`$XDG_STATE_HOME/buffalo/instances.json`,
 * default `~/.local/state/buffalo/instances.json`), so a read-only command run from another
 * directory finds the instance instead of creating one. An entry whose pid is dead is stale and
 * ignored (and dropped on the next write). No secret is kept here: the embedded server's port,
 * the database's host, port and name (never its user or password), the data directory (whose dev
 * keys file stays 0600), the API's URL and the simulators' URLs. Commands that talk to upstreams
 * use the simulators of the instance on their database (docs/architecture.md#cli-and-a-running-instance).
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
  /** Its database as `host:port/name` ({@link databaseIdentity}); absent in entries of older versions. */
  database?: string;
  /** The API's base URL, when the process serves it. */
  apiUrl?: string;
  /** First port of the simulators it uses, when they listen from a fixed base port (SANDBOX_PORT). */
  sandboxPort?: number;
  /** URL of each simulator it uses (upstream name → base URL); empty or absent when it simulates nothing. */
  simulators?: Record<string, string>;
  startedAt: string;
}

/**
 * A database's identity without credentials: `host:port/name`, `localhost` read as 127.0.0.1,
 * the port defaulting to 5432. Two URLs with the same identity name the same database.
 */
export function databaseIdentity(url: string): string | undefined {
  try {
    const u = new URL(url);
    const host = u.hostname === 'localhost' || u.hostname === '[::1]' ? '127.0.0.1' : u.hostname;
    return `${host}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\/+/, '')) || decodeURIComponent(u.username)}`;
  } catch {
    return undefined;
  }
}

/**
 * The live instance (other than this process) using the database at `databaseUrl`, or undefined.
 * Of several (api, worker and scheduler roles on one database), one that simulates upstreams is
 * preferred: its simulators are the ones whose data is in that database.
 */
export function instanceUsing(env: Record<string, string | undefined>, databaseUrl: string): InstanceEntry | undefined {
  const same = instancesUsing(env, databaseUrl);
  return same.find((e) => Object.keys(e.simulators ?? {}).length > 0) ?? same[0];
}

/** The API URL of a live instance using the database at `databaseUrl`, if one serves the API. */
export function instanceApiUrl(env: Record<string, string | undefined>, databaseUrl: string): string | undefined {
  return instancesUsing(env, databaseUrl).find((e) => e.apiUrl)?.apiUrl;
}

function instancesUsing(env: Record<string, string | undefined>, databaseUrl: string): InstanceEntry[] {
  const wanted = databaseIdentity(databaseUrl);
  return wanted ? liveInstances(env).filter((e) => e.pid !== process.pid && entryIdentity(e) === wanted) : [];
}

// Entries of older versions carry only the embedded server's port.
function entryIdentity(e: InstanceEntry): string | undefined {
  if (e.database) return e.database;
  return e.pgPort ? `127.0.0.1:${e.pgPort}/postgres` : undefined;
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
