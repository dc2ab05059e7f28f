/** What the CLI tests need to run `bin/buffalo.js` as a child: its path and an isolated environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, freePortRange } from '../../bench/ports.ts';
import { embeddedUrl } from '../../src/cli/locateInstance.ts';

/** The CLI entry point. */
export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'buffalo.js');

/**
 * A fresh data directory and a minimal environment on free ports (API, sandbox range, embedded
 * PostgreSQL), run from sources; nothing of the developer's shell or `.env` leaks in.
 */
export async function isolatedBuffalo(prefix: string): Promise<{ dataDir: string; apiPort: number; pgPort: number; env: Record<string, string> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  // Running as root, the embedded server runs as `postgres` and must be able to enter the directory.
  chmodSync(dataDir, 0o755);
  const apiPort = await freePort();
  const pgPort = await freePort();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dataDir,
    // The instance registry of `buffalo start` stays inside the test's directory, not the user's.
    XDG_STATE_HOME: path.join(dataDir, 'state'),
    BUFFALO_FROM_SOURCES: '1',
    BUFFALO_DATA_DIR: dataDir,
    PORT: String(apiPort),
    SANDBOX_PORT: String(await freePortRange(6)),
    BUFFALO_EMBEDDED_PG_PORT: String(pgPort),
  };
  return { dataDir, apiPort, pgPort, env };
}

/** A `buffalo start --role <role>` child on its own ports, with the tail of its output. */
export interface RoleChild {
  proc: ChildProcess;
  /** Its API port (answers only for the api and all roles). */
  port: number;
  output: () => string;
  exited: Promise<void>;
}

/** Start `buffalo start --role <role>` in an isolated directory with `env` laid over its own (e.g. a shared DATABASE_URL). */
export async function startRole(role: string, env: Record<string, string>): Promise<RoleChild> {
  const isolated = await isolatedBuffalo(`buffalo-${role}-`);
  const proc = spawn(process.execPath, [BIN, 'start', '--role', role], { cwd: isolated.dataDir, env: { ...isolated.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-6000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { proc, port: isolated.apiPort, output: () => out, exited: new Promise((r) => proc.once('exit', () => r())) };
}

/** Run the CLI to its end; resolves with its exit code and output. */
export function runBuffalo(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `SELECT count(*)::int AS n …` on the embedded server of a child on `pgPort`; 0 while it is not up or not migrated yet. */
export async function countOnEmbedded(pgPort: number, countSql: string): Promise<number> {
  const client = new pg.Client({ connectionString: embeddedUrl(pgPort) });
  try {
    await client.connect();
    const { rows } = await client.query<{ n: number }>(countSql);
    return rows[0]?.n ?? 0;
  } catch {
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}
