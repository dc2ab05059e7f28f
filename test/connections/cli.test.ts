/**
 * `buffalo connections …` commands in process, against the real database and the Stripe
 * simulator: add checks and seals, list never shows credentials, pause/resume/remove, and
 * rotate-key re-seals everything under the new key id (the old key retired, still readable).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { useTestDb } from '../helpers/testResources.ts';
import { resolveConfig } from '../../src/config.ts';
import { createCredentialChecker, createSecretBox, openCredentials, type ConnectionDeps } from '../../src/connections/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startStripeSimulator, type StripeSimState } from '../../src/sandbox/stripe/index.ts';
import { connectionsAddCommand, connectionsListCommand, connectionsRemoveCommand, connectionsRotateKeyCommand, connectionsSetStatusCommand, type ConnectionsIo } from '../../src/cli/index.ts';

const KEY = 'sk_test_cliGoodKey0123456789abcdef';
const OLD = Buffer.alloc(32, 1);
const NEW = Buffer.alloc(32, 2);

function capture(): ConnectionsIo & { out: PassThrough; err: PassThrough; text(): { out: string; err: string } } {
  const io = { out: new PassThrough(), err: new PassThrough() };
  let out = '';
  let err = '';
  io.out.on('data', (d: Buffer) => (out += d.toString()));
  io.err.on('data', (d: Buffer) => (err += d.toString()));
  return { ...io, text: () => ({ out, err }) };
}

describe('buffalo connections commands', () => {
  const db = useTestDb();
  let sim: RunningSimulator<StripeSimState>;
  let deps: ConnectionDeps;
  const ids: string[] = [];
  before(async () => {
    sim = db.closeLater(await startStripeSimulator({ port: 0, apiKey: KEY, faults: { records: 3 } }));
    const config = resolveConfig({ NODE_ENV: 'test', STRIPE_API_BASE: sim.url });
    deps = { pool: db.pool, box: createSecretBox(OLD), check: createCredentialChecker(config, { logger: silentLogger }) };
  });

  it('add (inline JSON or a file) checks and seals; refused or malformed credentials print one error line without the secret', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-conn-'));
    const file = path.join(dir, 'creds.json');
    writeFileSync(file, JSON.stringify({ apiKey: KEY }));
    for (const args of [{ name: 'acme', credentials: JSON.stringify({ apiKey: KEY }) }, { name: 'globex', credentialsFile: file, intervalMs: 120_000 }]) {
      const io = capture();
      assert.equal(await connectionsAddCommand(deps, { provider: 'stripe', ...args }, io), 0, io.text().err);
      const m = /^created (conn_[a-z2-7]{16}) \(stripe "\w+"\): credentials checked with stripe and sealed under key ([0-9a-f]{12})\n$/.exec(io.text().out);
      assert.ok(m, io.text().out);
      assert.equal(m[2], deps.box!.keyId);
      ids.push(m[1]!);
    }
    const refused = capture();
    assert.equal(await connectionsAddCommand(deps, { provider: 'stripe', name: 'bad', credentials: '{"apiKey":"sk_test_notTheKey99999"}' }, refused), 1);
    assert.match(refused.text().err, /^error: stripe refused the credentials: HTTP 401/);
    assert.ok(!refused.text().err.includes('notTheKey'));
    const malformed = capture();
    assert.equal(await connectionsAddCommand(deps, { provider: 'stripe', name: 'bad', credentials: '{"apiKey": sk_live_secret' }, malformed), 1);
    assert.equal(malformed.text().err, 'error: --credentials is not valid JSON\n');
  });

  it('list shows where credentials come from, never the credentials; filters apply', async () => {
    const io = capture();
    assert.equal(await connectionsListCommand(deps, { provider: 'stripe' }, io), 0);
    const out = io.text().out;
    assert.match(out, /^id +provider +name +status +schedule +credentials\n/);
    assert.match(out, /stripe-default +stripe +default +active +default +environment\n/);
    assert.match(out, new RegExp(`${ids[1]} +stripe +globex +active +120000 ms +sealed \\(key ${deps.box!.keyId}\\)`));
    assert.ok(!out.includes(KEY) && !out.includes('v1.'));
    const none = capture();
    await connectionsListCommand(deps, { status: 'broken' }, none);
    assert.equal(none.text().out, 'no connections\n');
  });

  it('pause, resume and remove; the default cannot be removed', async () => {
    const io = capture();
    assert.equal(await connectionsSetStatusCommand(deps, ids[0]!, 'paused', io), 0);
    assert.equal(await connectionsSetStatusCommand(deps, ids[0]!, 'active', io), 0);
    assert.equal(io.text().out, `${ids[0]} is paused\n${ids[0]} is active\n`);
    const refused = capture();
    assert.equal(await connectionsRemoveCommand(deps, 'stripe-default', refused), 1);
    assert.match(refused.text().err, /cannot be deleted/);
    const gone = capture();
    assert.equal(await connectionsRemoveCommand(deps, 'conn_aaaaaaaaaaaaaaaa', gone), 1);
    assert.equal(gone.text().err, 'error: connection conn_aaaaaaaaaaaaaaaa not found\n');
  });

  it('rotate-key re-seals every credential under the new key id; the retired key keeps old rows readable until then; a second run has nothing to do', async () => {
    const rotatedBox = createSecretBox(NEW, [OLD]);
    const rotated = { ...deps, box: rotatedBox };
    assert.deepEqual(await openCredentials(rotated, ids[0]!), { provider: 'stripe', credentials: { apiKey: KEY } }, 'the retired key still opens');
    const io = capture();
    assert.equal(await connectionsRotateKeyCommand(rotated, io), 0);
    assert.equal(io.text().out, `re-sealed 2 connection(s) under key ${rotatedBox.keyId}; every stored credential is now under it\n`);
    const rows = (await db.pool.query('SELECT credentials_sealed, credentials_key_id FROM connections WHERE credentials_sealed IS NOT NULL')).rows;
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row.credentials_key_id, rotatedBox.keyId);
      assert.ok(row.credentials_sealed.startsWith(`v1.${rotatedBox.keyId}.`));
      assert.ok(!row.credentials_sealed.includes(KEY));
    }
    // Only the new key now: the retired one can be dropped from the environment.
    const onlyNew = { ...deps, box: createSecretBox(NEW) };
    for (const id of ids) assert.deepEqual(await openCredentials(onlyNew, id), { provider: 'stripe', credentials: { apiKey: KEY } });
    const again = capture();
    await connectionsRotateKeyCommand(onlyNew, again);
    assert.match(again.text().out, /^re-sealed 0 connection\(s\)/);
    const noKey = capture();
    assert.equal(await connectionsRotateKeyCommand({ pool: db.pool, box: undefined }, noKey), 1);
    assert.match(noKey.text().err, /BUFFALO_SECRET_KEY is not set/);
  });
});
