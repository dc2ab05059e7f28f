/**
 * Scale-out for real: a second Node process shares the bucket with this one. Both acquire as
 * fast as the gate lets them for two seconds; together they stay under the rate, and both get
 * their share.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createSharedRateGate } from '../../src/coordination/index.ts';
import { PACING_HEADROOM, systemClock } from '../../src/resilience/index.ts';
import { useTestDb } from '../helpers/testResources.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'acquireLoop.ts');

const db = useTestDb();

describe('shared rate gate across two Node processes', () => {
  it('a child process and this one on one key: together no more than burst + rate × time, each served', { timeout: 60_000 }, async (t) => {
    const key = 'connection:cross-process';
    const perMinute = 1200; // 20/s, paced at 19.4/s
    const burst = 4;
    const durationMs = 2_000;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db.url, key, String(durationMs), String(perMinute), String(burst)], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => {
      if (child.exitCode === null) child.kill();
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const gate = createSharedRateGate(db.pool, key, { perMinute, burst, backoffBaseMs: 100, backoffMaxMs: 1_000, time: 'database' }, systemClock);
    child.stdin.end('go\n');
    const start = Date.now();
    const mine: number[] = [];
    await Promise.all(
      [0, 1].map(async () => {
        while (Date.now() - start < durationMs) {
          await gate.acquire();
          mine.push(Date.now());
        }
      }),
    );
    assert.equal(await exited, 0);
    const theirs = JSON.parse(out.split('\n').find((l) => l.startsWith('['))!) as number[];
    const all = [...mine, ...theirs].sort((a, b) => a - b);
    const span = all.at(-1)! - all[0]!;
    const allowed = burst + Math.ceil((span * perMinute * PACING_HEADROOM) / 60_000) + 1;
    assert.ok(all.length <= allowed, `${all.length} grants in ${span} ms (allowed ${allowed})`);
    assert.ok(all.length >= 20, `${all.length} grants in ${span} ms`);
    assert.ok(mine.length >= all.length / 5 && theirs.length >= all.length / 5, `shared: ${mine.length} here, ${theirs.length} there`);
  });
});
