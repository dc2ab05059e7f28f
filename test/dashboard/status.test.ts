/** `buffalo status` against a real instance (synced data, dead letters, a listening API), and its connections section. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { collectStatus, formatStatus, statusCommand } from '../../src/cli/statusCommand.ts';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { listDeadLetters } from '../../src/queue/index.ts';
import { ACME_SECRET, GLOBEX_REASON, GLOBEX_SECRET, seedConnectionActivity, type SeededActivity } from '../helpers/connectionActivity.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { KEYS, startInstance, type Instance } from './fixtures/instance.ts';

function capture(): { stream: Writable; text(): string } {
  let buf = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => buf };
}

describe('buffalo status', () => {
  let inst: Instance;
  before(async () => {
    inst = await startInstance();
  });
  after(async () => {
    await inst?.close();
  });

  it('reports per source the last run and last success, the last runs, queue depths and the DLQ size from the database', async () => {
    const r = await collectStatus({ pool: inst.db.pool, config: inst.config, apiUrl: inst.baseUrl, apiKey: KEYS.apiKey });
    assert.ok(r.database.reachable);
    const stripe = r.database.sources.find((s) => s.source === 'stripe');
    assert.equal(stripe?.enabled, true);
    assert.equal(stripe?.upstream, 'configured');
    assert.equal(stripe?.lastRun?.status, inst.runs[0]!.status);
    assert.equal(stripe?.lastSuccessAt, inst.runs[0]!.finishedAt);
    assert.equal(r.database.sources.find((s) => s.source === 'gcal')?.lastRun, null);
    assert.deepEqual(r.database.runs.map((x) => x.runId).sort(), inst.runs.map((x) => x.runId).sort());
    const dead = (await listDeadLetters(inst.db.pool, { replayed: false, limit: 500 })).items.length;
    assert.ok(dead > 0);
    assert.equal(r.database.dlq, dead);
    assert.equal(r.database.queues.find((q) => q.queue === 'ingest')?.dead, dead);
  });

  it('reads breakers from the running API, and says "API not reachable" when none answers', async () => {
    const up = await collectStatus({ pool: inst.db.pool, config: inst.config, apiUrl: inst.baseUrl, apiKey: KEYS.apiKey });
    assert.ok(up.api.reachable);
    assert.equal(up.api.breakersFrom, 'overview');
    assert.deepEqual(up.api.breakers.filter((b) => b.name === 'stripe' || b.name === 'hubspot').map((b) => `${b.name}:${b.state}`).sort(), ['hubspot:closed', 'stripe:closed']);
    const noKey = await collectStatus({ pool: inst.db.pool, config: inst.config, apiUrl: inst.baseUrl });
    assert.ok(noKey.api.reachable && noKey.api.breakersFrom === 'readyz' && noKey.api.breakers.some((b) => b.name === 'stripe'));

    const down = await collectStatus({ pool: inst.db.pool, config: inst.config, apiUrl: 'http://127.0.0.1:9' });
    assert.equal(down.api.reachable, false);
    const text = formatStatus(down);
    assert.match(text, /API not reachable/);
    assert.match(text, /^Sources$/m, 'database sections still shown');
  });

  it('the command prints one screen (no colour when not a terminal) and exits 0', async () => {
    const out = capture();
    const config = resolveConfig({ NODE_ENV: 'test', DATABASE_URL: inst.db.url, API_KEY: KEYS.apiKey, ADMIN_API_KEY: KEYS.adminApiKey, JWT_SECRET: 'status-test-jwt-secret-0123456789abcdef' });
    const code = await statusCommand({ config, logger: silentLogger, generatedKeys: [] }, { out: out.stream, color: false, env: { BUFFALO_URL: inst.baseUrl } });
    assert.equal(code, 0);
    const text = out.text();
    for (const heading of ['Sources', 'Last runs', 'Queues', 'Breakers']) assert.match(text, new RegExp(`^${heading}$`, 'm'));
    assert.match(text, /^ {2}stripe +yes +simulated +partial/m, "no credentials in this config: SANDBOX=auto simulates stripe");
    assert.match(text, /DLQ +\d+ dead letter\(s\) waiting/);
    assert.match(text, new RegExp(`API +${inst.baseUrl.replace(/[.]/g, '\\.')} +ok +sync healthy`));
    assert.match(text, /^ {2}created +source +mode +status +recordsFetched +recordsUpserted +recordsFailed +duration$/m, 'run counts under the run report field names');
    assert.ok(!text.includes('\u001b['), 'no ANSI codes');
  });
});

describe('buffalo status: connections', () => {
  const db = useTestDb();
  let seeded: SeededActivity;
  before(async () => {
    seeded = await seedConnectionActivity(db.pool);
  });
  const config = resolveConfig({ NODE_ENV: 'test' });

  it('counts per provider and status, then the broken ones and those whose last run failed, with why; never a credential', async () => {
    const r = await collectStatus({ pool: db.pool, config, apiUrl: 'http://127.0.0.1:9' });
    const text = formatStatus(r);
    assert.match(text, /^Connections \(6, 2 need attention\)$/m);
    assert.match(text, /^ {2}provider +active +paused +broken$/m);
    assert.match(text, /^ {2}stripe +2 +0 +0$/m);
    assert.match(text, /^ {2}hubspot +1 +0 +1$/m);
    assert.match(text, /^Connections needing attention \(broken, or last run failed\)$/m);
    assert.match(text, new RegExp(`^ {2}stripe +acme +${seeded.acmeId} +active +failed +\\d+ (s|min) ago +stripe refused the credentials: HTTP 401$`, 'm'));
    assert.match(text, new RegExp(`^ {2}hubspot +globex +${seeded.globexId} +broken +never ran +${GLOBEX_REASON}$`, 'm'));
    assert.doesNotMatch(text, /stripe-default +active/, 'a healthy connection is only counted');
    for (const secret of [ACME_SECRET, GLOBEX_SECRET]) assert.ok(!text.includes(secret));
  });

  it('stays one screen with 1,000 connections: the first ten needing attention by name, the rest counted', async () => {
    await db.pool.query(`INSERT INTO connections (id, provider, name, status, status_reason) SELECT 'conn_bulk' || i, 'gcal', 'bulk-' || i, CASE WHEN i <= 20 THEN 'broken' ELSE 'active' END, CASE WHEN i <= 20 THEN 'calendar unshared' END FROM generate_series(1, 994) AS i`);
    const text = formatStatus(await collectStatus({ pool: db.pool, config, apiUrl: 'http://127.0.0.1:9' }));
    assert.match(text, /^Connections \(1000, 22 need attention\)$/m);
    assert.match(text, /^ {2}gcal +975 +0 +20$/m);
    assert.match(text, /^ {2}… and 12 more: `buffalo connections list --status broken`, GET \/connections$/m);
    assert.ok(text.split('\n').length < 80, `${text.split('\n').length} lines`);
  });
});
