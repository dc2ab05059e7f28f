/** Where hostile content goes in ad-platform campaigns: the name an advertiser types. */
import type { HostileTarget } from '../common/index.ts';

/** Customer-typed fields of a campaign. */
export const ADPLATFORM_HOSTILE_FIELDS = ['name'] as const;

/** The campaign a served item is, if any (list items have `id` and `budget`). */
export function adplatformHostileTarget(item: Record<string, unknown>): HostileTarget | null {
  return typeof item.id === 'string' && 'budget' in item ? { id: item.id, fields: ADPLATFORM_HOSTILE_FIELDS } : null;
}
