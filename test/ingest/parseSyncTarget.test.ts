import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseSyncTarget } from '../../src/ingest/index.ts';
import { BIN, isolatedBuffalo } from '../cli/buffaloChild.ts';

describe('parseSyncTarget', () => {
  it('a date that does not exist is an error naming since or until, not a range rolled over into the next month', () => {
    for (const since of ['2026-02-30', '2026-13-01', '2026-04-31', '2026-02-29', '2026-00-10', '0000-01-01', '2026-2-3']) {
      assert.deepEqual(parseSyncTarget({ since }), { error: 'since must be a real date written YYYY-MM-DD', field: 'since' }, since);
    }
    assert.deepEqual(parseSyncTarget({ since: '2026-02-01', until: '2026-02-30' }), { error: 'until must be a real date written YYYY-MM-DD', field: 'until' });
  });

  it('real dates, leap days included, make a range', () => {
    assert.deepEqual(parseSyncTarget({ since: '2028-02-29', until: '2028-03-01' }), { kind: 'range', since: '2028-02-29', until: '2028-03-01' });
    assert.deepEqual(parseSyncTarget({ since: '2026-12-31' }), { kind: 'range', since: '2026-12-31', until: null });
  });

  it('buffalo sync --since with a date that does not exist exits with a clear error before doing anything', async () => {
    const { dataDir, env } = await isolatedBuffalo('buffalo-since-');
    const child = spawn(process.execPath, [BIN, 'sync', 'stripe', '--since', '2026-02-30'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    assert.notEqual(code, 0, out + err);
    assert.match(err, /error: since must be a real date written YYYY-MM-DD/);
    assert.equal(out, '', 'no run was started');
  });
});
