import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config.ts';
import { createConnectors } from '../../src/connectors/index.ts';
import { silentLogger } from '../../src/log.ts';

describe('createConnectors', () => {
  it('wires every enabled source that has its credentials or sandbox base URL', () => {
    const config = resolveConfig({
      STRIPE_API_KEY: 'sk_test_abc',
      STRIPE_API_BASE: 'http://127.0.0.1:4100',
      HUBSPOT_ACCESS_TOKEN: 'pat-1',
      GCAL_API_BASE: 'http://127.0.0.1:4102',
      AD_PLATFORM_API_URL: 'http://127.0.0.1:4103',
      AD_PLATFORM_EMAIL: 'a@b.c',
      AD_PLATFORM_PASSWORD: 'secret',
    });
    const connectors = createConnectors(config, { logger: silentLogger });
    assert.deepEqual(Object.keys(connectors).sort(), ['adplatform', 'gcal', 'hubspot', 'stripe']);
    assert.deepEqual(connectors.stripe!.streams.map((s) => s.entity), ['charge']);
    assert.deepEqual(connectors.hubspot!.streams.map((s) => s.entity), ['deal', 'contact']);
    assert.deepEqual(connectors.gcal!.streams.map((s) => s.entity), ['event']);
    assert.deepEqual(connectors.adplatform!.streams.map((s) => s.entity), ['campaign']);
  });

  it('leaves out disabled sources and sources without credentials', () => {
    const config = resolveConfig({ STRIPE_API_KEY: 'sk_test_abc', STRIPE_ENABLED: 'false', AD_PLATFORM_API_URL: 'http://127.0.0.1:4103' });
    assert.deepEqual(Object.keys(createConnectors(config, { logger: silentLogger })), []);
  });
});
