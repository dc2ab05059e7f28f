import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';

import { createFakeConnector, createFakeUpstream } from './fixtures/fakeUpstream.ts';
import { testDeps } from './fixtures/support.ts';
import { dlqListCommand, dlqReplayCommand, processCommand, syncCommand, type CliIo } from '../../src/cli/index.ts';

function captureIo(tty: boolean): CliIo & { text: () => { out: string; err: string } } {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  return { out, err, tty, text: () => ({ out: o, err: e }) };
}

describe('ingest CLI commands', () => {
  const db = useTestDb();

  it('sync shows live progress on a terminal and closes with a summary; process drains; dlq list and replay show and requeue the poison record', async () => {
    const up = createFakeUpstream(25, { pageSize: 10 });
    up.put({ ...up.truth.get('c0004')!, email: 'not-an-email' });
    const deps = testDeps(db.pool, [createFakeConnector(up)]);

    const io = captureIo(true);
    const report = await syncCommand(deps, { source: 'hubspot', full: true }, io);
    assert.equal(report.status, 'partial');
    const { out, err } = io.text();
    assert.match(err, /\rhubspot contact: pagesFetched 3, recordsFetched 25, recordsEnqueued 25, recordsDeduped 0, retries 0, rate-limit waits 0/);
    assert.match(out, /status +partial/);
    assert.match(out, /pagesFetched +3\n/);
    assert.match(out, /recordsFetched +25\n/);
    assert.match(out, /recordsDeduped +0\n/);
    assert.match(out, /recordsInvalid +1 \(→ DLQ\)/);
    assert.match(out, /staleCursorDetected +false\n/);
    assert.match(out, /fullBackfillTriggered +false\n/);
    assert.doesNotMatch(out, /^ +(pages|fetched|enqueued|unchanged|invalid|stale cursor) /m, 'no old labels');

    const pio = captureIo(false);
    const processed = await processCommand(deps, pio);
    assert.deepEqual(processed, { processed: 24, failed: 0, dead: 1 });
    assert.match(pio.text().out, /in the DLQ +1/);

    const lio = captureIo(false);
    const dead = await dlqListCommand(deps, {}, lio);
    assert.equal(dead.length, 1);
    assert.match(lio.text().out, /hubspot\/contact\/c0004 {2}permanent/);
    assert.match(lio.text().out, /ZodError/);

    const rio = captureIo(false);
    assert.deepEqual(await dlqReplayCommand(deps, dead[0]!.id, rio), { replayed: 1 });
    assert.match(rio.text().out, /replayed dead letter \d+ as job \d+/);
    assert.deepEqual(await dlqReplayCommand(deps, 'all', captureIo(false)), { replayed: 0 }, 'nothing left to replay');
  });

  it('process refuses to run without any connector instead of burning the records\' attempts', async () => {
    const io = captureIo(false);
    const r = await processCommand(testDeps(db.pool, []), io);
    assert.deepEqual(r, { processed: 0, failed: 0, dead: 0 });
    assert.match(io.text().err, /no connector is configured/);
    process.exitCode = 0;
  });
});
