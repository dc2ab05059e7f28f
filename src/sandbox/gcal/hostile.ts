/** Where hostile content goes in Google Calendar events: the text people type into an event. */
import type { HostileTarget } from '../common/index.ts';

/** Customer-typed fields of an event. */
export const GCAL_HOSTILE_FIELDS = ['summary', 'description', 'location'] as const;

/**
 * The event a served item is; every instance of a recurring event shares its master's content.
 * A deleted event's stub (`status: "cancelled"`) carries no text, as on Google.
 */
export function gcalHostileTarget(item: Record<string, unknown>): HostileTarget | null {
  if (item.kind !== 'calendar#event' || item.status === 'cancelled') return null;
  const id = typeof item.recurringEventId === 'string' ? item.recurringEventId : item.id;
  return typeof id === 'string' ? { id, fields: GCAL_HOSTILE_FIELDS } : null;
}
