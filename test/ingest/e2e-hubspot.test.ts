import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { runSync, type IngestDeps } from '../../src/ingest/index.ts';
import type { Sandbox } from '../../src/sandbox/index.ts';
import type { HubspotTruth } from '../../src/sandbox/hubspot/index.ts';
import { drainOutbox } from './fixtures/support.ts';
import { startSandboxDeps, truthOf } from './fixtures/sandboxDeps.ts';

describe('ingest end to end: HubSpot under 20 % 503 + 10 % timeouts + 429s', () => {
  const db = useTestDb();
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    ({ sandbox, deps } = await startSandboxDeps(db.pool, ['hubspot'], {
      env: { SANDBOX_HUBSPOT_RECORDS: '150', SANDBOX_HUBSPOT_SEED: '5', SANDBOX_HUBSPOT_ERROR_RATE: '0.2', SANDBOX_HUBSPOT_TIMEOUT_RATE: '0.1', SANDBOX_HUBSPOT_RATE_LIMIT_PER_MIN: '18', SANDBOX_HUBSPOT_POISON_RATE: '0' },
      // A 429 here means "wait for the 10-second window": give retries a budget that covers it.
      configEnv: { HUBSPOT_RETRY_MAX_ATTEMPTS: '30', HUBSPOT_RETRY_BASE_MS: '200', HUBSPOT_RETRY_MAX_MS: '2500' },
    }));
    db.closeLater(sandbox);
  });

  it('the sync completes and stores every upstream deal and contact exactly once', async () => {
    const run = await runSync(deps, { source: 'hubspot', mode: 'full' });
    assert.equal(run.status, 'success', run.error ?? '');
    const retries = run.retriesByCause;
    assert.ok((retries.http_503 ?? 0) > 0, `503s were retried: ${JSON.stringify(retries)}`);
    // The policy paces by X-HubSpot-RateLimit-Remaining, so the window mostly shows as waits, not 429s.
    assert.ok((retries.timeout ?? 0) + (retries.http_503 ?? 0) + (retries.http_429 ?? 0) + run.rateLimitWaits >= 2, JSON.stringify({ retries, waits: run.rateLimitWaits }));
    assert.ok((retries.http_429 ?? 0) > 0 || run.rateLimitWaits > 0, `the rate limit was hit or waited for: ${JSON.stringify(run)}`);
    await drainOutbox(deps);

    const truth = await truthOf<HubspotTruth>(sandbox, 'hubspot');
    const deals = truth.deals.filter((d) => !d.archived);
    const contacts = truth.contacts.filter((c) => !c.archived);
    const payments = new Map((await db.pool.query<{ external_id: string; amount_cents: string }>("SELECT external_id, amount_cents FROM payments WHERE source = 'hubspot'")).rows.map((r) => [r.external_id, r]));
    const stored = new Map((await db.pool.query<{ external_id: string; email: string | null }>("SELECT external_id, email FROM contacts WHERE source = 'hubspot'")).rows.map((r) => [r.external_id, r]));
    assert.equal(payments.size, deals.length, 'one payment per deal');
    assert.equal(stored.size, contacts.length, 'one contact per contact');
    for (const d of deals) assert.equal(payments.get(d.id)?.amount_cents, String(d.amountMinor ?? 0), `deal ${d.id}`);
    for (const c of contacts) assert.equal(stored.get(c.id)?.email, c.email || null, `contact ${c.id}`);
    const dups = await db.pool.query('SELECT external_id FROM payments GROUP BY source, external_id HAVING count(*) > 1');
    assert.equal(dups.rowCount, 0);
  });
});
