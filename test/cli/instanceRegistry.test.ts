import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseIdentity, instanceUsing, liveInstances, registerInstance, registryPath, unregisterInstance } from '../../src/cli/instanceRegistry.ts';
import { locateInstance } from '../../src/cli/locateInstance.ts';
import { resolveConfig } from '../../src/config.ts';

// A pid that surely belongs to no process any more: one that just exited.
const deadPid = () => spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
const entry = (pid: number, dir: string, pgPort?: number) => ({ pid, cwd: dir, dataDir: path.join(dir, '.buffalo'), ...(pgPort ? { pgPort } : {}), startedAt: new Date().toISOString() });

describe('instance registry', () => {
  it('lives under XDG_STATE_HOME, else ~/.local/state', () => {
    assert.equal(registryPath({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' }), '/x/state/buffalo/instances.json');
    assert.equal(registryPath({ HOME: '/home/u' }), '/home/u/.local/state/buffalo/instances.json');
  });

  it('lists live instances only; a dead pid is ignored and dropped on the next write; unregister removes one', () => {
    const env = { XDG_STATE_HOME: mkdtempSync(path.join(tmpdir(), 'buffalo-registry-')) };
    assert.deepEqual(liveInstances(env), [], 'no file: nothing, and nothing created');
    assert.deepEqual(readdirSync(env.XDG_STATE_HOME), []);
    const dead = deadPid();
    registerInstance(env, entry(dead, '/a', 5501));
    assert.deepEqual(liveInstances(env), []);
    registerInstance(env, entry(process.pid, '/b', 5502));
    assert.deepEqual(liveInstances(env).map((e) => [e.pid, e.pgPort]), [[process.pid, 5502]]);
    unregisterInstance(env, process.pid);
    assert.deepEqual(liveInstances(env), []);
  });

  it('several live instances and none started here: the read-only command is told each one\'s BUFFALO_DATA_DIR', () => {
    const env = { XDG_STATE_HOME: mkdtempSync(path.join(tmpdir(), 'buffalo-registry-')) };
    const cwd = mkdtempSync(path.join(tmpdir(), 'buffalo-registry-cwd-'));
    // Two live pids: ours and our parent's.
    registerInstance(env, entry(process.pid, '/srv/one', 5511));
    registerInstance(env, entry(process.ppid, '/srv/two', 5512));
    const located = locateInstance(resolveConfig({}), env, cwd);
    assert.equal(located.found, false);
    const message = located.found ? '' : located.message;
    assert.match(message, /^2 buffalo instances are running; say which with one of:/);
    assert.match(message, /BUFFALO_DATA_DIR=\/srv\/one\/\.buffalo/);
    assert.match(message, /BUFFALO_DATA_DIR=\/srv\/two\/\.buffalo/);
    // One started in the working directory wins.
    registerInstance(env, entry(process.pid, cwd, 5513));
    const here = locateInstance(resolveConfig({}), env, cwd);
    assert.deepEqual(here.found ? [here.how, here.databaseUrl] : [], ['running instance', 'postgres://postgres:buffalo@127.0.0.1:5513/postgres']);
  });

  it('a command finds the instance on its database by host, port and name (never a password), and that instance\'s API', () => {
    const env = { XDG_STATE_HOME: mkdtempSync(path.join(tmpdir(), 'buffalo-registry-')) };
    assert.equal(databaseIdentity('postgres://app:s3cret@localhost/buffalo'), '127.0.0.1:5432/buffalo');
    // An entry of an older version (embedded port only) still matches its embedded server (pid 1 is surely alive).
    registerInstance(env, entry(1, '/srv/old', 5521));
    assert.equal(instanceUsing(env, 'postgres://postgres:buffalo@localhost:5521/postgres')?.cwd, '/srv/old');
    // Our parent's pid stands for the instance: this process's own entry never counts.
    registerInstance(env, { ...entry(process.ppid, '/srv/app'), database: databaseIdentity('postgres://app:s3cret@db.internal:6432/buffalo')!, apiUrl: 'http://10.0.0.5:3310', simulators: { gcal: 'http://127.0.0.1:4312' } });
    assert.doesNotMatch(JSON.stringify(liveInstances(env)), /s3cret|app@/);
    assert.equal(instanceUsing(env, 'postgres://other:pw@db.internal:6432/buffalo')?.cwd, '/srv/app');
    assert.equal(instanceUsing(env, 'postgres://app:s3cret@db.internal:6432/other'), undefined);
    const config = resolveConfig({ DATABASE_URL: 'postgres://app:s3cret@db.internal:6432/buffalo' });
    const located = locateInstance(config, env, '/tmp');
    assert.deepEqual(located.found ? [located.how, located.apiUrl] : [], ['DATABASE_URL', 'http://10.0.0.5:3310']);
    registerInstance(env, entry(process.pid, '/srv/self', 5522));
    assert.equal(instanceUsing(env, 'postgres://postgres:buffalo@127.0.0.1:5522/postgres'), undefined, 'not this process itself');
  });
});
