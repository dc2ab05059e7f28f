import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config.ts';
import { upstreamsToSimulate } from '../../src/cli/wireSandbox.ts';
import { describeUpstreams, missingSettings } from '../../src/upstreamSetup.ts';

const KEYS = { API_KEY: 'bk_upstream_setup_key', ADMIN_API_KEY: 'bka_upstream_setup_key', JWT_SECRET: 'upstream-setup-jwt-secret-0123456789', BUFFALO_SECRET_KEY: '377a502929210eeea8f41299dc393536fad0bbbe89cc699b0e4b17bd8d62f9aa' };

describe('upstream setup: one answer to "is this upstream configured"', () => {
  it('production defaults to SANDBOX=off: nothing is simulated, each unconfigured upstream names its variables', () => {
    const config = resolveConfig({ NODE_ENV: 'production', ...KEYS, STRIPE_WEBHOOK_SECRET: 'whsec_x' });
    assert.equal(config.sandbox.mode, 'off');
    assert.deepEqual(upstreamsToSimulate(config), []);
    const setup = describeUpstreams(config, []);
    assert.deepEqual(setup.inventory, { state: 'not configured', missing: ['INVENTORY_API_BASE_URL'] });
    assert.deepEqual(setup.gcal, { state: 'not configured', missing: ['GOOGLE_CLIENT_EMAIL', 'GOOGLE_PRIVATE_KEY'] });
  });

  it('development defaults to auto: only upstreams with none of their variables set are simulated', () => {
    // A partly configured ad platform (URL, no password) is neither simulated nor called: its URL is the operator's.
    const config = resolveConfig({ NODE_ENV: 'development', STRIPE_API_KEY: 'sk_test_real', AD_PLATFORM_API_URL: 'http://ads.example', AD_PLATFORM_EMAIL: 'me@example.com' });
    assert.deepEqual(upstreamsToSimulate(config), ['hubspot', 'gcal', 'eventservice', 'inventory']);
    const setup = describeUpstreams(config, upstreamsToSimulate(config));
    assert.equal(setup.stripe.state, 'configured');
    assert.deepEqual(setup.adplatform, { state: 'not configured', missing: ['AD_PLATFORM_PASSWORD'] });
    assert.equal(setup.hubspot.state, 'simulated');
  });

  it('SANDBOX=on simulates every enabled upstream except those whose URL the operator set; a disabled source stays disabled', () => {
    const config = resolveConfig({ NODE_ENV: 'development', SANDBOX: 'on', STRIPE_API_KEY: 'sk_test_real', INVENTORY_API_BASE_URL: 'http://inventory.example', HUBSPOT_ENABLED: 'false' });
    const simulated = upstreamsToSimulate(config);
    assert.deepEqual(simulated, ['stripe', 'gcal', 'adplatform', 'eventservice']);
    const setup = describeUpstreams(config, simulated);
    assert.equal(setup.inventory.state, 'configured');
    assert.equal(setup.hubspot.state, 'disabled');
  });

  it('a GCAL_API_BASE alone configures Google Calendar (a compatible server takes any bearer)', () => {
    assert.deepEqual(missingSettings(resolveConfig({ NODE_ENV: 'test', GCAL_API_BASE: 'http://gcal.example' }), 'gcal'), []);
  });
});
