/**
 * The `postgres` OS user the embedded server runs as when we are root (PostgreSQL refuses to
 * run as root), and what that user can reach.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** The OS user (and database superuser) name. */
export const POSTGRES_USER = 'postgres';

/** The credentials a child process is spawned with. */
export interface OsIds {
  uid: number;
  gid: number;
}

/** Create the `postgres` OS user when it does not exist yet (root only), and return its ids. */
export function ensurePostgresUser(): OsIds {
  try {
    execFileSync('id', ['-u', POSTGRES_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('groupadd', ['-f', POSTGRES_USER], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', POSTGRES_USER, '-M', '-s', '/usr/sbin/nologin', POSTGRES_USER], { stdio: 'ignore' });
  }
  return { uid: idOf('-u'), gid: idOf('-g') };
}

/** One `test(1)` check: `-x` searchable directory / executable file, `-r` readable. */
export type AccessCheck = ['-x' | '-r', string];

/**
 * Whether a process with `ids` passes every check. Asked of the kernel by running `test` with
 * exactly the credentials the server gets (node's spawn with uid/gid also drops supplementary
 * groups), rather than by reading mode bits: ACLs, mount options and every path component are
 * then accounted for the way PostgreSQL will meet them.
 */
export function canAccessAs(ids: OsIds, checks: AccessCheck[]): boolean {
  const script = checks.map((_, i) => `test ${checks[i]![0]} "$${i + 1}"`).join(' && ');
  const res = spawnSync('/bin/sh', ['-c', script, 'sh', ...checks.map(([, p]) => p)], { ...ids, cwd: '/', stdio: 'ignore' });
  return res.status === 0;
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, POSTGRES_USER]).toString().trim());
}
