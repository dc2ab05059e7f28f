import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, isolatedBuffalo, runBuffalo as run } from './buffaloChild.ts';

// Each read-only command, as an operator would type it.
const READ_ONLY = [['status'], ['dlq', 'list'], ['connections', 'list'], ['revenue', 'verify']];

function emptyDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

describe('read-only commands create no state', () => {
  let stateHome: string;
  let base: Record<string, string>;
  before(async () => {
    stateHome = emptyDir('buffalo-state-');
    const { env } = await isolatedBuffalo('buffalo-ro-unused-');
    // No BUFFALO_DATA_DIR: the default (.buffalo under the working directory) is what an operator gets.
    const { BUFFALO_DATA_DIR: _unused, ...rest } = env;
    base = { ...rest, XDG_STATE_HOME: stateHome, LOG_LEVEL: 'info' };
  });

  for (const args of READ_ONLY) {
    it(`\`buffalo ${args.join(' ')}\` in an empty directory with nothing running: exits non-zero, says what to set, the directory stays empty`, async () => {
      const cwd = emptyDir('buffalo-ro-empty-');
      const r = await run(args, { cwd, env: base });
      assert.notEqual(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /DATABASE_URL=postgres:\/\//);
      assert.match(r.stderr, /BUFFALO_DATA_DIR=/);
      assert.deepEqual(readdirSync(cwd), []);
      assert.deepEqual(readdirSync(stateHome), [], 'the registry is not created by a reader');
    });
  }

  it('BUFFALO_DATA_DIR naming a directory without a database is refused by name, and nothing is created in it', async () => {
    const cwd = emptyDir('buffalo-ro-empty-');
    const target = emptyDir('buffalo-ro-target-');
    const r = await run(['status'], { cwd, env: { ...base, BUFFALO_DATA_DIR: target } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`BUFFALO_DATA_DIR=${target} holds no Buffalo database`));
    assert.deepEqual([readdirSync(cwd), readdirSync(target)], [[], []]);
  });
});

describe('read-only commands find a running instance', () => {
  let stateHome: string;
  let dataDir: string;
  let env: Record<string, string>;
  let child: ChildProcess;
  let out = '';
  before(async () => {
    stateHome = emptyDir('buffalo-state-');
    const isolated = await isolatedBuffalo('buffalo-ro-running-');
    dataDir = isolated.dataDir;
    env = { ...isolated.env, XDG_STATE_HOME: stateHome, LOG_LEVEL: 'info' };
    child = spawn(process.execPath, [BIN, 'start'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 120_000;
    while (!out.includes('Buffalo is up')) {
      if (child.exitCode !== null) throw new Error(`buffalo exited:\n${out.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`no banner:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    const closed = new Promise((r) => child.once('close', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await closed;
  });

  it('`buffalo start` lists itself in the per-user registry (pid, data directory, port; no secret)', () => {
    const registry = JSON.parse(readFileSync(path.join(stateHome, 'buffalo', 'instances.json'), 'utf8')) as { instances: Array<Record<string, unknown>> };
    const mine = registry.instances.find((i) => i.pid === child.pid);
    assert.ok(mine, JSON.stringify(registry));
    assert.equal(mine.dataDir, dataDir);
    assert.equal(mine.pgPort, Number(env.BUFFALO_EMBEDDED_PG_PORT));
    assert.doesNotMatch(JSON.stringify(registry), /password|buffalo@|apiKey/i);
  });

  it('`buffalo status` from an empty directory finds it through the registry; the directory stays empty', async () => {
    const cwd = emptyDir('buffalo-ro-elsewhere-');
    const { BUFFALO_DATA_DIR: _unused, ...elsewhere } = env;
    const r = await run(['status'], { cwd, env: elsewhere });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Sources/);
    assert.doesNotMatch(r.stdout, /database not reachable/i);
    assert.deepEqual(readdirSync(cwd), []);
  });

  it('`buffalo dlq list` from an empty directory with BUFFALO_DATA_DIR finds it', async () => {
    const cwd = emptyDir('buffalo-ro-elsewhere-');
    const r = await run(['dlq', 'list'], { cwd, env: { ...env, XDG_STATE_HOME: emptyDir('buffalo-state-other-') } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(readdirSync(cwd), []);
  });
});
