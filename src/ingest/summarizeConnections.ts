/**
 * Connections for an operator (dashboard panel, `buffalo status`): counts per provider and
 * status, and a bounded list — the connections that need attention (broken, or whose last run
 * failed) first, then the most recently active — each with its last run and dead letters. Bounded
 * so a thousand connections do not make a page or a terminal screen of a thousand rows.
 */
import type { Queryable } from '../db/index.ts';
import { CONNECTION_STATUSES, listConnections, PROVIDERS, type ConnectionLastRun, type ConnectionStatus, type Provider } from '../connections/index.ts';
import { connectionActivity } from './connectionActivity.ts';

/** One connection of the summary: what it is and what it did (never its credentials or settings). */
export interface ConnectionSummaryItem {
  id: string;
  provider: Provider;
  name: string;
  status: ConnectionStatus;
  statusReason: string | null;
  lastRun: ConnectionLastRun | null;
  /** Its dead letters not replayed. */
  deadLetters: number;
  /** Broken, or its last run failed. */
  needsAttention: boolean;
}

/** The summary. */
export interface ConnectionsSummary {
  total: number;
  /** Per provider (every provider, even without connections), connections per status. */
  counts: Array<{ provider: Provider } & Record<ConnectionStatus, number>>;
  /** How many need attention (broken, or last run failed), listed or not. */
  needingAttention: number;
  /** At most `limit`: those needing attention first, then by last run, newest first. */
  items: ConnectionSummaryItem[];
}

/** Summarize every connection; `limit` bounds the list (default 200). */
export async function summarizeConnections(db: Queryable, opts: { limit?: number } = {}): Promise<ConnectionsSummary> {
  const limit = Math.max(0, opts.limit ?? 200);
  const connections = await listConnections(db);
  const activity = await connectionActivity(db, connections.map((c) => c.id));
  const all: ConnectionSummaryItem[] = connections.map((c) => {
    const a = activity.get(c.id);
    const lastRun = a?.lastRun ?? null;
    return {
      id: c.id, provider: c.provider, name: c.name, status: c.status, statusReason: c.statusReason, lastRun,
      deadLetters: a?.deadLetters ?? 0, needsAttention: c.status === 'broken' || lastRun?.status === 'failed',
    };
  });
  const counts = PROVIDERS.map((provider) => {
    const row = { provider, ...Object.fromEntries(CONNECTION_STATUSES.map((s) => [s, 0])) } as { provider: Provider } & Record<ConnectionStatus, number>;
    for (const c of all) if (c.provider === provider) row[c.status]++;
    return row;
  });
  // listConnections' order (provider, default first, name) breaks ties, so the list is stable.
  const ranked = all
    .map((c, i) => ({ c, i }))
    .sort((x, y) => Number(y.c.needsAttention) - Number(x.c.needsAttention) || (y.c.lastRun?.createdAt ?? '').localeCompare(x.c.lastRun?.createdAt ?? '') || x.i - y.i)
    .map(({ c }) => c);
  return { total: all.length, counts, needingAttention: all.filter((c) => c.needsAttention).length, items: ranked.slice(0, limit) };
}
