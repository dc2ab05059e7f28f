/**
 * Sources and sync runs: per source its enablement, last run, last success and breaker (from
 * /readyz, breakers of the API process), and the recent runs from /runs. With the admin key a
 * source can be synced now (POST /trigger/:source/incremental).
 */
import { callApi } from './api.ts';
import { byId, fillTable, h, pill } from './dom.ts';
import { formatAgo, formatCount, formatDuration, formatTime } from './format.ts';
import type { Readiness, ReadyReconciliation, RunReport } from './types.ts';

const RUNS_SHOWN = 15;

/** What the panel draws from. */
export interface SyncData {
  readiness: Readiness;
  runs: RunReport[];
  now: number;
  admin: boolean;
}

/** Create the panel; `render(data)` redraws; `onTrigger` runs when a sync is accepted or refused. */
export function createSyncPanel(opts: { adminKey(): string | null; onTrigger(message: string, ok: boolean): void }): { render(d: SyncData): void } {
  const sourcesTable = byId<HTMLTableElement>('sources-table');

  sourcesTable.addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action="sync"]');
    const adminKey = opts.adminKey();
    if (!button || !adminKey) return;
    const source = button.dataset.source ?? '';
    button.disabled = true;
    callApi<{ runId: string }>(`/trigger/${encodeURIComponent(source)}/incremental`, { method: 'POST', adminKey, idempotencyKey: crypto.randomUUID() })
      .then((r) => opts.onTrigger(`${source}: sync accepted (run ${r.runId.slice(0, 8)})`, true))
      .catch((err: Error) => opts.onTrigger(`${source}: sync refused: ${err.message}`, false))
      .finally(() => {
        button.disabled = false;
      });
  });

  return {
    render(d) {
      const sources = d.readiness.checks.ingest?.sources ?? {};
      const reconciled = d.readiness.checks.reconciliation?.sources ?? {};
      const rows = Object.entries(sources).map(([name, s]) => {
        const lastRun = d.runs.find((r) => r.source === name && r.status !== 'skipped');
        // Counts of the last run that ended, not of one still queued or running.
        const last = d.runs.find((r) => r.source === name && (r.status === 'success' || r.status === 'partial' || r.status === 'failed'));
        const records = last ? `${formatCount(last.recordsFetched)} fetched · ${formatCount(last.recordsUpserted)} upserted${last.recordsFailed ? ` · ${formatCount(last.recordsFailed)} failed` : ''}` : '–';
        return h(
          'tr',
          { 'data-source': name },
          h('th', { scope: 'row' }, name, s.syncStatus === 'degraded' ? ' ' : null, s.syncStatus === 'degraded' ? degradedPill(s.issues) : null),
          h('td', {}, s.enabled ? 'yes' : pill('off', 'no')),
          h('td', {}, s.lastStatus ? pill(s.lastStatus) : '–', ' ', lastRun ? h('span', { class: 'muted' }, formatAgo(lastRun.createdAt, d.now)) : ''),
          h('td', {}, records),
          h('td', { title: s.lastSuccessAt ?? '' }, formatAgo(s.lastSuccessAt, d.now), reconcileLine(reconciled[name], d.now)),
          h('td', {}, s.breaker ? breakerCell(s.breaker.state, s.breaker.retryAfterMs) : h('span', { class: 'muted' }, 'no calls yet')),
          h('td', {}, d.admin && s.enabled ? h('button', { type: 'button', class: 'small', 'data-action': 'sync', 'data-source': name, 'aria-label': `Sync ${name} now` }, 'Sync now') : ''),
        );
      });
      fillTable(sourcesTable, rows, 'No sources configured.');

      const runRows = d.runs.slice(0, RUNS_SHOWN).map((r) => {
        const ms = r.startedAt ? (r.finishedAt ? Date.parse(r.finishedAt) : d.now) - Date.parse(r.startedAt) : null;
        const note = r.error ?? r.reason ?? (r.fullBackfillTriggered ? 'stale cursor → full backfill' : r.staleCursorDetected ? 'stale cursor' : '');
        return h(
          'tr',
          { 'data-status': r.status },
          h('td', { title: r.createdAt }, formatTime(r.createdAt)),
          h('th', { scope: 'row' }, r.source),
          h('td', {}, r.mode),
          h('td', {}, r.trigger),
          h('td', {}, pill(r.status)),
          h('td', { class: 'num' }, formatCount(r.pagesFetched)),
          h('td', { class: 'num' }, formatCount(r.recordsFetched)),
          h('td', { class: 'num' }, formatCount(r.recordsDeduped)),
          h('td', { class: 'num' }, formatCount(r.recordsUpserted)),
          h('td', { class: 'num' }, r.recordsFailed ? h('strong', { class: 'bad' }, formatCount(r.recordsFailed)) : '0'),
          h('td', { class: 'num' }, ms === null ? '–' : formatDuration(ms)),
          h('td', { class: 'note-cell', title: note }, note),
        );
      });
      fillTable(byId<HTMLTableElement>('runs-table'), runRows, 'No runs yet.');
    },
  };
}

// The last reconciliation under the last success: how far the tables are from the upstream.
function reconcileLine(r: ReadyReconciliation | undefined, now: number): HTMLElement | string {
  if (!r) return '';
  const diffs = (r.missing ?? 0) + (r.extra ?? 0) + (r.different ?? 0);
  const text = r.status === 'failed' ? 'reconcile failed' : diffs === 0 ? 'matches upstream' : `differs: ${r.missing} missing · ${r.extra} extra · ${r.different} different`;
  const line = h('div', { class: 'muted', 'data-reconcile': r.status === 'done' && diffs === 0 ? 'ok' : 'warn' }, r.status === 'done' && diffs === 0 ? text : pill('degraded', text), ` (reconciled ${formatAgo(r.finishedAt, now)})`);
  line.title = `reconciliation ${r.reconciliationId}`;
  return line;
}

/** A breaker state pill with the time until its next probe when open. */
export function breakerCell(state: string, retryAfterMs: number): HTMLElement {
  return h('span', {}, pill(state, state.replace('_', '-')), retryAfterMs > 0 ? h('span', { class: 'muted' }, ` probe in ${formatDuration(retryAfterMs)}`) : '');
}

// The issues ride along as the pill's title and accessible name: the table stays one line a source.
function degradedPill(issues: string[]): HTMLElement {
  const el = pill('degraded', 'sync degraded');
  el.title = issues.join('\n');
  el.setAttribute('aria-label', `sync degraded: ${issues.join('; ')}`);
  return el;
}
