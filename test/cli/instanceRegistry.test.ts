import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { liveInstances, registerInstance, registryPath, unregisterInstance } from '../../src/cli/instanceRegistry.ts';
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
});
