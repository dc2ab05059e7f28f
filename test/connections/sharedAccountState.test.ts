/**
 * One ad-platform account synced from two processes (two pools, two connector builders, as two
 * workers have): the login token is fetched once and shared through PostgreSQL, sealed — the
 * second process uses it instead of logging in again — and both draw on one rate bucket.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createConnectionConnectors, createCredentialChecker, createSecretBox } from '../../src/connections/index.ts';
import { createPool, type Pool } from '../../src/db/index.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import { sandboxAccountCredentials, type Sandbox } from '../../src/sandbox/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { startSandboxDeps } from '../ingest/fixtures/sandboxDeps.ts';

const FAST = {
  SANDBOX_ADPLATFORM_ACCOUNTS: '2', SANDBOX_ADPLATFORM_RECORDS: '8', SANDBOX_ADPLATFORM_RATE_LIMIT_PER_MIN: '0', SANDBOX_ADPLATFORM_SYNC_MS: '0',
  SANDBOX_ADPLATFORM_UNAVAILABLE_EVERY: '0', SANDBOX_ADPLATFORM_TIMEOUT_EVERY: '0', SANDBOX_ADPLATFORM_POISON_RATE: '0', SANDBOX_ADPLATFORM_HOSTILE_RATE: '0',
};

describe('an account shared by two processes', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let base: IngestDeps;
  let second: Pool;
  const box = createSecretBox(Buffer.alloc(32, 0x17));
  const processDeps = (pool: Pool): IngestDeps => ({ ...base, pool, connections: createConnectionConnectors({ pool, box, config: base.config, logger: base.logger }) });
  const tokensIssued = async () => ((await (await fetch(`${sandbox.urls.adplatform}/__sandbox/stats`)).json()) as { tokensIssued: number }).tokensIssued;

  before(async () => {
    ({ sandbox, deps: base } = await startSandboxDeps(db.pool, ['adplatform'], { env: FAST }));
    db.closeLater(sandbox);
    second = createPool(db.url, { max: 4 });
    db.onClose(() => second.end());
  });

  it('logs in once for both processes; the shared token is stored sealed, under the account\'s key', async () => {
    const credentials = sandboxAccountCredentials('adplatform', 2);
    const connection = await createConnection({ pool: db.pool, box, check: createCredentialChecker(base.config, { logger: base.logger }) }, { provider: 'adplatform', name: 'client two', credentials });
    const before = await tokensIssued();

    const first = await runSync(processDeps(db.pool), { source: 'adplatform', connectionId: connection.id, mode: 'full' });
    assert.equal(first.status, 'success', first.error ?? '');
    assert.equal((await tokensIssued()) - before, 1, 'the first process logged in');

    const other = await runSync(processDeps(second), { source: 'adplatform', connectionId: connection.id, mode: 'full' });
    assert.equal(other.status, 'success', other.error ?? '');
    assert.equal((await tokensIssued()) - before, 1, 'the second process used the shared token: no second login');

    const { rows } = await db.pool.query<{ key: string; dump: string }>('SELECT key, row_to_json(t)::text AS dump FROM shared_tokens t');
    assert.deepEqual(rows.map((r) => r.key), [`connection:${connection.id}`]);
    assert.ok(!rows[0]!.dump.includes(credentials.password), 'no credential in the shared row');
    const buckets = (await db.pool.query<{ key: string }>('SELECT key FROM rate_buckets ORDER BY key')).rows.map((r) => r.key);
    assert.ok(buckets.includes(`connection:${connection.id}`), 'both processes drew on the account\'s one bucket');
  });
});
