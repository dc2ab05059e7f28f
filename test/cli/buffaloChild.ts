/** What the CLI tests need to run `bin/buffalo.js` as a child: its path and an isolated environment. */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, freePortRange } from '../../bench/ports.ts';

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
