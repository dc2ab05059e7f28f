/**
 * Which addresses a webhook may be delivered to. Only globally routable unicast addresses:
 * private, loopback, link-local (169.254.169.254, the cloud metadata service, among them),
 * unique-local, multicast, unspecified, CGNAT, reserved and documentation ranges are refused,
 * in IPv4 and IPv6; an IPv4-mapped IPv6 address is judged as the IPv4 address it carries, and
 * the IPv6 ranges that embed an IPv4 address (NAT64, 6to4, Teredo) are refused outright.
 * Pure; ipaddr.js owns the range tables.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A delivery (or a subscription) refused for where it would connect to; permanent for the queue. */
export class ForbiddenAddressError extends Error {
  /** Retrying cannot change the answer: the delivery fails at once. */
  readonly permanent = true;
  readonly code = 'EWEBHOOKADDRESS';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenAddressError';
  }
}

/** True when `address` (an IP literal, IPv6 with or without brackets) is one webhooks may reach. */
export function isPublicAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return false;
  let parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

/** The IP literal of a URL host (`[::1]` → `::1`), or null for a name. */
export function literalAddress(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

/**
 * A `net.connect` lookup that resolves like the system's and hands the socket only the public
 * addresses, so the address checked is the address connected to (no DNS-rebinding window).
 * None left → ForbiddenAddressError naming the host.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 4);
    const allowed = addresses.filter((a) => isPublicAddress(a.address));
    if (allowed.length === 0) {
      return callback(refusedHost(hostname, addresses.map((a) => a.address)), '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    const first = allowed[0]!;
    return callback(null, first.address, first.family);
  });
};

/** The error for a host that resolves only to refused addresses. */
export function refusedHost(hostname: string, addresses: readonly string[]): ForbiddenAddressError {
  return new ForbiddenAddressError(`${hostname} resolves only to private or reserved addresses (${addresses.join(', ') || 'none'}); set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow them`);
}

/** The error for an IP literal that is not public. */
export function refusedAddress(address: string): ForbiddenAddressError {
  return new ForbiddenAddressError(`${address} is a private, loopback, link-local or otherwise reserved address; set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow it`);
}
