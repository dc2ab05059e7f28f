import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicAddress } from '../../src/webhooks/index.ts';

describe('webhook address policy (pure)', () => {
  it('refuses every private, loopback, link-local, unique-local, multicast, unspecified, CGNAT and reserved address, IPv4 and IPv6, IPv4-mapped judged as IPv4', () => {
    const refused = [
      '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.1', '100.64.0.1', '100.127.255.254',
      '0.0.0.0', '255.255.255.255', '224.0.0.1', '239.1.1.1', '192.0.2.10', '198.51.100.7', '203.0.113.9', '240.0.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '[::1]',
      '64:ff9b::a00:1', '2002:a00:1::1', '2001::1', '2001:db8::1', 'not-an-ip', '',
    ];
    for (const a of refused) assert.equal(isPublicAddress(a), false, a);
  });

  it('allows globally routable unicast addresses, including an IPv4-mapped public one', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:81c::200e', '::ffff:8.8.8.8', '[2606:4700:4700::1111]']) {
      assert.equal(isPublicAddress(a), true, a);
    }
  });
});
