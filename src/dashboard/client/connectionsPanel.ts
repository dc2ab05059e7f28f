/**
 * Connections: per provider how many are active, paused or broken, and a table of the listed
 * ones (the overview bounds it: those needing attention first, then the most recently active)
 * with their status, last run, its records and their errors. No credential ever reaches the page:
 * the overview carries none.
 */
import { byId, fillTable, h, pill } from './dom.ts';
import { formatAgo, formatCount } from './format.ts';
import type { Overview } from './types.ts';

/** Redraw the connections panel from the overview. */
export function renderConnections(o: Overview, now: number): void {
  const c = o.connections;
  const counts = c.counts
    .filter((p) => p.active + p.paused + p.broken > 0)
    .map((p) => `${p.provider} ${[p.active ? `${p.active} active` : '', p.paused ? `${p.paused} paused` : '', p.broken ? `${p.broken} broken` : ''].filter(Boolean).join(' · ')}`);
  byId('connections-count').textContent = c.total ? `(${formatCount(c.total)})` : '';
  byId('connections-summary').textContent = [
    counts.join('; '),
    c.needingAttention ? `${formatCount(c.needingAttention)} need attention.` : '',
    c.items.length < c.total ? `Showing ${formatCount(c.items.length)} of ${formatCount(c.total)}: those needing attention first, then the most recently active.` : '',
  ].filter(Boolean).join(' ');

  const rows = c.items.map((x) => {
    const run = x.lastRun;
    const records = run ? `${formatCount(run.recordsFetched)} fetched · ${formatCount(run.recordsUpserted)} upserted${run.recordsFailed ? ` · ${formatCount(run.recordsFailed)} failed` : ''}` : '–';
    const error = run?.error ?? '';
    return h(
      'tr',
      { 'data-connection': x.id, 'data-attention': x.needsAttention ? 'yes' : false },
      h('td', {}, x.provider),
      h('th', { scope: 'row' }, x.name),
      h('td', { class: 'mono' }, x.id),
      h('td', { title: x.statusReason ?? '' }, pill(x.status), x.statusReason ? h('div', { class: 'muted note-cell' }, x.statusReason) : ''),
      h('td', {}, run ? pill(run.status) : '–', ' ', run ? h('span', { class: 'muted', title: run.createdAt }, formatAgo(run.createdAt, now)) : h('span', { class: 'muted' }, 'never ran')),
      h('td', {}, records),
      h(
        'td',
        { class: 'note-cell', title: error },
        x.deadLetters ? h('strong', { class: 'bad' }, `${formatCount(x.deadLetters)} in the DLQ`) : '',
        x.deadLetters && error ? ' · ' : '',
        error,
      ),
    );
  });
  fillTable(byId<HTMLTableElement>('connections-table'), rows, 'No connections.');
}
