/** Where hostile content goes in HubSpot CRM objects: free-text properties people type. */
import type { HostileTarget } from '../common/index.ts';

/** Customer-typed properties per object type. */
export const HUBSPOT_HOSTILE_FIELDS = {
  deals: ['properties.dealname'],
  contacts: ['properties.firstname', 'properties.lastname', 'properties.company'],
} as const;

/** The CRM object a served item is (told apart by its modified-date property), if any. */
export function hubspotHostileTarget(item: Record<string, unknown>): HostileTarget | null {
  const props = item.properties as Record<string, unknown> | undefined;
  if (typeof item.id !== 'string' || !props || typeof props !== 'object') return null;
  if ('hs_lastmodifieddate' in props) return { id: `deals:${item.id}`, fields: HUBSPOT_HOSTILE_FIELDS.deals };
  if ('lastmodifieddate' in props) return { id: `contacts:${item.id}`, fields: HUBSPOT_HOSTILE_FIELDS.contacts };
  return null;
}
