/**
 * Where the cluster of a configured data directory lives. Normally the directory itself. Running
 * as root, the server runs as the `postgres` OS user, which must be able to search every parent
 * of the cluster; when the configured directory sits under one it cannot (a 0700 `mktemp -d` or
 * /root), the cluster is kept at `<state dir>/clusters/<hash of the configured path>` instead,
 * and a pointer file in the configured directory records where, so every later start (and every
 * command looking for a running server) finds the same cluster — even after the configured
 * directory moved.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canAccessAs, type OsIds } from './postgresUser.ts';
import { stateDirCandidates } from './stateDir.ts';

/** The pointer file's name in a configured data directory whose cluster lives elsewhere. */
export const CLUSTER_POINTER = 'CLUSTER_LOCATION';

/** The cluster directory for configured directory `dir`: the pointer's target if any, else `dir`. */
export function resolveClusterDir(dir: string, stateDirs: string[] = stateDirCandidates()): string {
  return pointerTarget(dir, stateDirs) ?? dir;
}

/**
 * Decide (and record) where the cluster of `dir` lives for a server running as `ids` (none:
 * ourselves, always `dir`). An existing cluster stays where it is; a new one goes to `dir` when
 * the server can reach it, else under `stateDir()`.
 */
export function placeCluster(dir: string, ids: OsIds | undefined, stateDir: () => string, extraStateDir?: string): string {
  if (!ids || existsSync(path.join(dir, 'PG_VERSION'))) return dir;
  const known = pointerTarget(dir, [...stateDirCandidates(), ...(extraStateDir ? [path.resolve(extraStateDir)] : [])]);
  if (known) return known;
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  // The server must search every component down to `dir`; `dir` itself is handed to it.
  if (canAccessAs(ids, [['-x', parent]])) return dir;
  const target = path.join(stateDir(), 'clusters', createHash('sha256').update(dir).digest('hex').slice(0, 16));
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, CLUSTER_POINTER), `${target}\n`);
  return target;
}

// Root follows the pointer to chown and run a cluster there, so only a target in one of our
// state directories counts: a pointer edited to /etc must not make root hand /etc to postgres.
function pointerTarget(dir: string, stateDirs: string[]): string | undefined {
  let target: string;
  try {
    target = readFileSync(path.join(dir, CLUSTER_POINTER), 'utf8').trim();
  } catch {
    return undefined;
  }
  const ok = stateDirs.some((s) => path.dirname(target) === path.join(s, 'clusters')) && /^[0-9a-f]{16}$/.test(path.basename(target));
  if (!ok) throw new Error(`${path.join(dir, CLUSTER_POINTER)} points outside Buffalo's state directories (${target}); remove it to start a new cluster`);
  return target;
}
