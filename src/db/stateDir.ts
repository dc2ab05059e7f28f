/**
 * Where a root process keeps what the `postgres` OS user must reach but could not where the
 * user put it (a checkout under /root, a `mktemp -d` directory, both 0700): a copy of the
 * PostgreSQL runtime and relocated clusters. We never loosen the permissions of the user's own
 * directories to make them reachable; we put the server's files somewhere that already is.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canAccessAs, type OsIds } from './postgresUser.ts';

/**
 * The places tried in order: /var/lib/buffalo first (persistent, the FHS home of a service's
 * state; clusters kept here survive reboots), the temporary directory as a last resort (a
 * read-only /var).
 */
export function stateDirCandidates(): string[] {
  return ['/var/lib/buffalo', path.join(tmpdir(), 'buffalo-root')];
}

/**
 * The first usable state directory (created 0755 if absent): owned by root, writable by root
 * only — the postgres user runs binaries from it, so nobody else may plant files there — and
 * searchable by `ids`. `preferred` (tests) is tried alone.
 */
export function chooseStateDir(ids: OsIds, preferred?: string): string {
  const candidates = preferred ? [path.resolve(preferred)] : stateDirCandidates();
  const refused: string[] = [];
  for (const dir of candidates) {
    const why = unusable(dir, ids);
    if (!why) return dir;
    refused.push(`${dir}: ${why}`);
  }
  throw new Error(`no directory to keep the embedded PostgreSQL where the postgres OS user can reach it (${refused.join('; ')})`);
}

function unusable(dir: string, ids: OsIds): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) return 'not a directory';
    if (st.uid !== 0) return 'not owned by root';
    if ((st.mode & 0o022) !== 0) return 'writable by others than root';
    // Created under a strict umask (077), it would be 0700; it is ours, so open it to search.
    if ((st.mode & 0o005) !== 0o005) chmodSync(dir, 0o755);
  } catch (err) {
    return (err as Error).message;
  }
  return canAccessAs(ids, [['-x', dir]]) ? undefined : 'the postgres OS user cannot reach it';
}
