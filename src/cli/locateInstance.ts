/**
 * Where a read-only command (status, dlq list, connections list, revenue verify, doctor) finds
 * the database, without creating anything: DATABASE_URL; else the embedded cluster of the data
 * directory (the running server's port, or the existing cluster, started as usual); else a
 * running `buffalo start` from the per-user registry (./instanceRegistry.ts). Nothing found is an
 * answer saying exactly what to set, never a fresh cluster.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cliApiBaseUrl, type Config } from '../config.ts';
import { resolveClusterDir, runningEmbeddedPort } from '../db/index.ts';
import { instanceApiUrl, liveInstances, registryPath } from './instanceRegistry.ts';

/** Where the database is. */
export type Located =
  | {
    found: true;
    how: 'DATABASE_URL' | 'data directory' | 'running instance';
    dataDir: string;
    databaseUrl?: string;
    /** The API of the instance registered on that database, when one runs and serves it. */
    apiUrl?: string;
  }
  | { found: false; message: string };

type Found = Extract<Located, { found: true }>;

/** The embedded server's URL on `port` (the password every embedded cluster is made with). */
export function embeddedUrl(port: number): string {
  return `postgres://postgres:buffalo@127.0.0.1:${port}/postgres`;
}

/** Find the database for a read-only command; reads files and pids, writes nothing. */
export function locateInstance(config: Config, env: Record<string, string | undefined>, cwd = process.cwd()): Located {
  const dataDir = path.resolve(cwd, config.dataDir);
  if (config.databaseUrl) return withApiUrl(env, { found: true, how: 'DATABASE_URL', dataDir, databaseUrl: config.databaseUrl });
  const here = fromDataDir(dataDir);
  if (here) return withApiUrl(env, here);
  if (env.BUFFALO_DATA_DIR) {
    return { found: false, message: `BUFFALO_DATA_DIR=${env.BUFFALO_DATA_DIR} holds no Buffalo database (no cluster under ${path.join(dataDir, 'pg')}). Set BUFFALO_DATA_DIR to the data directory of a \`buffalo start\`, or DATABASE_URL=postgres://user:password@host:5432/db` };
  }
  const running = liveInstances(env);
  const chosen = running.find((i) => i.cwd === cwd) ?? (running.length === 1 ? running[0] : undefined);
  if (chosen) {
    if (chosen.pgPort === undefined) {
      return { found: false, message: `the running buffalo (pid ${chosen.pid}, started in ${chosen.cwd}) uses DATABASE_URL: set the same DATABASE_URL here` };
    }
    return { found: true, how: 'running instance', dataDir: chosen.dataDir, databaseUrl: embeddedUrl(chosen.pgPort), ...(chosen.apiUrl ? { apiUrl: chosen.apiUrl } : {}) };
  }
  if (running.length > 1) {
    const list = running.map((i) => `  BUFFALO_DATA_DIR=${i.dataDir}   (pid ${i.pid}, started in ${i.cwd})`).join('\n');
    return { found: false, message: `${running.length} buffalo instances are running; say which with one of:\n${list}` };
  }
  return {
    found: false,
    message: `no Buffalo database found: nothing under ${dataDir} and no running \`buffalo start\` in ${registryPath(env)}.\n` +
      'Set DATABASE_URL=postgres://user:password@host:5432/db, or BUFFALO_DATA_DIR=<the data directory of a buffalo start>, or run this where you ran `buffalo start`.',
  };
}

/**
 * The API a command talks to: BUFFALO_URL when set (the operator named it), else the API of the
 * instance registered on this database (`registered`, asked only then), else the configured
 * address. `trusted` is false for that last one: it is a guess, and something else may listen
 * there (status then sends it no API key, only asks /readyz).
 */
export function commandApi(config: Config, env: Record<string, string | undefined>, registered: () => string | undefined): { url: string; trusted: boolean } {
  if (env.BUFFALO_URL) return { url: cliApiBaseUrl(config, env), trusted: true };
  const url = registered();
  return url ? { url, trusted: true } : { url: cliApiBaseUrl(config, env), trusted: false };
}

/**
 * The API of the running instance on the database `config` names (DATABASE_URL, else the data
 * directory's running embedded server), for commands that call the API; undefined when none is
 * registered. Reads files and pids only.
 */
export function registeredApiUrl(config: Config, env: Record<string, string | undefined>, cwd = process.cwd()): string | undefined {
  const located = config.databaseUrl ? { databaseUrl: config.databaseUrl } : fromDataDir(path.resolve(cwd, config.dataDir));
  return located?.databaseUrl ? instanceApiUrl(env, located.databaseUrl) : undefined;
}

// Found by its database: the API of the instance registered on it, so a command reading the API
// talks to that instance (and sends its key there), not to whatever answers on this shell's PORT.
function withApiUrl(env: Record<string, string | undefined>, found: Found): Found {
  const apiUrl = found.databaseUrl ? instanceApiUrl(env, found.databaseUrl) : undefined;
  return apiUrl ? { ...found, apiUrl } : found;
}

// The data directory's embedded cluster: its running server, or the existing (stopped) cluster.
function fromDataDir(dataDir: string): Found | undefined {
  const pgDir = path.join(dataDir, 'pg');
  const port = runningEmbeddedPort(pgDir);
  if (port) return { found: true, how: 'data directory', dataDir, databaseUrl: embeddedUrl(port) };
  let cluster: string;
  try {
    cluster = resolveClusterDir(pgDir);
  } catch {
    return undefined;
  }
  return existsSync(path.join(cluster, 'PG_VERSION')) ? { found: true, how: 'data directory', dataDir } : undefined;
}
