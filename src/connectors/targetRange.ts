/** The instants a `{kind: 'range'}` sync target covers (shared by the connectors' targeted reads). */
import type { SyncTarget } from './contract.ts';

const DAY_MS = 86_400_000;

/**
 * [fromMs, toMs) of a range target: from the start of `since` (UTC) to the end of `until`, or to
 * no bound when `until` is absent (records changed up to now).
 */
export function rangeBounds(target: Extract<SyncTarget, { kind: 'range' }>): { fromMs: number; toMs: number | null } {
  const fromMs = Date.parse(`${target.since}T00:00:00Z`);
  const toMs = target.until === null ? null : Date.parse(`${target.until}T00:00:00Z`) + DAY_MS;
  return { fromMs, toMs };
}

/** Whether `iso` (a timestamp) lies within the target's range. */
export function inRange(target: Extract<SyncTarget, { kind: 'range' }>, iso: unknown): boolean {
  if (typeof iso !== 'string' && typeof iso !== 'number') return false;
  const ms = typeof iso === 'number' ? iso : /^\d+$/.test(iso) ? Number(iso) : Date.parse(iso);
  if (!Number.isFinite(ms)) return false;
  const { fromMs, toMs } = rangeBounds(target);
  return ms >= fromMs && (toMs === null || ms < toMs);
}
