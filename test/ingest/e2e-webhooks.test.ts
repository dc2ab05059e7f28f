import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { stripeWebhookRoutes, type IngestDeps } from '../../src/ingest/index.ts';
import { silentLogger } from '../../src/log.ts';
import { sandboxEnv, startSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { Delivery } from '../../src/sandbox/stripe/webhooks.ts';
import type { StripeTruth } from '../../src/sandbox/stripe/index.ts';
import { drainOutbox } from './fixtures/support.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { controlSim, truthOf } from './fixtures/sandboxDeps.ts';

const SECRET = 'whsec_ingest_e2e_0123456789';

describe('ingest end to end: signed webhooks from the Stripe simulator', () => {
  const db = useTestDb();
  let app: App;
  let sandbox: Sandbox;
  let deps: IngestDeps;
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(stripeWebhookRoutes, { pool: db.pool, webhookSecret: SECRET });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    sandbox = db.closeLater(await startSandbox({ basePort: 0, only: ['stripe'], env: { SANDBOX_STRIPE_RECORDS: '50', SANDBOX_STRIPE_SEED: '21', SANDBOX_STRIPE_POISON_RATE: '0' }, stripeWebhook: { url: `${url}/webhooks/stripe`, secret: SECRET } }));
    const config = resolveConfig({ NODE_ENV: 'test', ...sandboxEnv(sandbox) });
    deps = { pool: db.pool, config, logger: silentLogger, connectors: createConnectors(config, { logger: silentLogger }) };
  });

  it('every event the upstream delivers is verified, stored once and normalized into payments', async () => {
    await controlSim(sandbox, 'stripe', '/__sandbox/advance', { hours: 2 });
    const deliveries = await waitFor('the simulator to deliver its webhooks', async () => {
      const d = (await truthOf<StripeTruth & { webhooks: { deliveries: Delivery[] } }>(sandbox, 'stripe')).webhooks.deliveries;
      return d.length > 0 && d.every((x) => x.state !== 'pending') ? d : null;
    }, { timeoutMs: 20_000 });
    assert.ok(deliveries.every((d) => d.state === 'delivered'), 'every delivery answered 2xx');
    const ids = [...new Set(deliveries.map((d) => d.eventId))].sort();
    const stored = (await db.pool.query<{ event_id: string }>('SELECT event_id FROM webhook_events ORDER BY event_id')).rows.map((r) => r.event_id);
    assert.deepEqual(stored, ids);

    await drainOutbox(deps);
    const truth = await truthOf<StripeTruth>(sandbox, 'stripe');
    const charges = new Map(truth.charges.map((c) => [c.id, c]));
    const objectIds = new Set(truth.events.filter((e) => ids.includes(e.id) && e.type.startsWith('charge.')).map((e) => e.objectId));
    assert.ok(objectIds.size > 0, 'charge events were delivered');
    const { rows } = await db.pool.query<{ external_id: string; amount_cents: string }>('SELECT external_id, amount_cents FROM payments WHERE external_id = ANY($1)', [[...objectIds]]);
    assert.equal(rows.length, objectIds.size, 'each charge of a delivered event stored once');
    for (const r of rows) assert.equal(r.amount_cents, String(charges.get(r.external_id)?.amount));
  });
});
