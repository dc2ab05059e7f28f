/** The `{id}` / `{since, until}` of a targeted sync, from CLI options or a trigger's body/query. */
import type { SyncTarget } from '../connectors/index.ts';
import { isCalendarDate } from '../revenue/index.ts';

/** What a caller may name. */
export interface SyncTargetInput {
  id?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** The target named, null when none is, or `{error}` with a sentence naming the bad field. */
export function parseSyncTarget(input: SyncTargetInput): SyncTarget | null | { error: string; field: string } {
  const { id, since, until } = input;
  if (id !== undefined && (since !== undefined || until !== undefined)) return { error: 'name either an id or a date range (since/until), not both', field: 'id' };
  if (id !== undefined) return id.length > 0 && id.length <= 255 ? { kind: 'id', id } : { error: 'id must be 1–255 characters', field: 'id' };
  if (since === undefined) return until === undefined ? null : { error: 'until needs since', field: 'since' };
  for (const [field, v] of [['since', since], ['until', until]] as const) {
    // Strict: Date.parse rolls 2026-02-30 over to March 2, a range nobody asked for.
    if (v !== undefined && !isCalendarDate(v)) return { error: `${field} must be a real date written YYYY-MM-DD`, field };
  }
  if (until !== undefined && until < since) return { error: 'until is before since', field: 'until' };
  return { kind: 'range', since, until: until ?? null };
}
