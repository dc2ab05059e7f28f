/**
 * Credentials of the HubSpot simulator's portals (accounts) and of its OAuth app. Portal 1 keeps
 * the development private-app token (or the operator's); portal n ≥ 2 is reached with a token
 * carrying its number. The OAuth app is a fixed development client, like the sandbox's other
 * development credentials.
 */

/** Portal 1's development private-app token. */
export const HUBSPOT_DEV_ACCESS_TOKEN = 'pat-sandbox-buffalo';
/** Start of the private-app tokens of portals 2…n (the portal number follows). */
export const HUBSPOT_PORTAL_TOKEN_PREFIX = 'pat-sandbox-buffalo-acct';
/** The OAuth app the simulator's authorization server knows. */
export const HUBSPOT_OAUTH_CLIENT = { clientId: 'buffalo-sandbox-hubspot-app', clientSecret: 'buffalo-sandbox-hubspot-secret' } as const;

/** The private-app token of portal `n` (portal 1: the development token). */
export function hubspotPortalToken(n: number): string {
  return n === 1 ? HUBSPOT_DEV_ACCESS_TOKEN : `${HUBSPOT_PORTAL_TOKEN_PREFIX}${n}`;
}
