import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useTestDb } from '../helpers/testResources.ts';
import { ADMIN_HEADERS, buildTestApp } from '../helpers/app.ts';
import { createSecretBox } from '../../src/connections/index.ts';
import { resealWebhookSecrets, webhookRoutes } from '../../src/webhooks/index.ts';
import { quietIo } from '../helpers/cliIo.ts';
import { connectionsRotateKeyCommand } from '../../src/cli/index.ts';

describe('buffalo connections rotate-key re-seals webhook signing secrets', () => {
  const db = useTestDb();

  it('a secret sealed under a retired key is re-sealed under the current one and still opens to the same secret', async () => {
    const oldKey = randomBytes(32);
    const oldBox = createSecretBox(oldKey);
    const app = await buildTestApp(db.pool);
    await app.register(webhookRoutes, { pool: db.pool, box: oldBox, allowPrivateUrls: true });
    await app.ready();
    const created = (await app.inject({ method: 'POST', url: '/webhook-subscriptions', headers: { ...ADMIN_HEADERS, 'idempotency-key': 'rot-1' }, payload: { url: 'http://localhost:9/x', events: ['sync.failed'] } })).json();
    await app.close();

    const newBox = createSecretBox(randomBytes(32), [oldKey]);
    const io = quietIo();
    assert.equal(await connectionsRotateKeyCommand({ pool: db.pool, box: newBox, alsoReseal: [{ what: 'webhook signing secret(s)', reseal: resealWebhookSecrets }] }, io), 0);
    assert.match(io.text(), new RegExp(`re-sealed 1 webhook signing secret\\(s\\) under key ${newBox.keyId}`));
    const row = (await db.pool.query('SELECT secret_sealed, secret_key_id FROM webhook_subscriptions WHERE id = $1', [created.id])).rows[0];
    assert.equal(row.secret_key_id, newBox.keyId);
    assert.equal(newBox.open(row.secret_sealed, created.id), created.secret, 'same secret, new key');
    assert.equal(await resealWebhookSecrets({ pool: db.pool, box: newBox }), 0, 'nothing left under the retired key');
  });
});
