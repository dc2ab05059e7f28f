/**
 * Pipeline depth (jobs per queue), orders by status and upstream health (the API process's
 * circuit breakers, plus the database round trip from /readyz), from the overview document.
 */
import { byId, fillTable, h, pill } from './dom.ts';
import { formatCount, formatDuration } from './format.ts';
import type { Overview, Readiness } from './types.ts';

/** Redraw the three pipeline panels. */
export function renderPipeline(o: Overview, readiness: Readiness | null): void {
  const queueRows = o.queues.map((q) =>
    h(
      'tr',
      { 'data-queue': q.queue },
      h('th', { scope: 'row' }, q.queue),
      h('td', { class: 'num' }, formatCount(q.pending)),
      h('td', { class: 'num' }, formatCount(q.ready)),
      h('td', { class: 'num' }, formatCount(q.running)),
      h('td', { class: 'num' }, q.dead ? h('strong', { class: 'bad' }, formatCount(q.dead)) : '0'),
      h('td', { class: 'num' }, q.oldestPendingAgeMs > 0 ? formatDuration(q.oldestPendingAgeMs) : '–'),
    ),
  );
  fillTable(byId<HTMLTableElement>('queues-table'), queueRows, 'All queues are empty.');

  const counts = Object.entries(o.ordersByStatus);
  const max = Math.max(1, ...counts.map(([, n]) => n));
  byId('orders-bars').replaceChildren(
    ...counts.map(([status, n]) =>
      h(
        'li',
        {},
        h('span', { class: 'bar-label' }, status),
        h('span', { class: 'bar', style: `--w:${Math.round((n / max) * 100)}%`, 'data-status': status, 'aria-hidden': 'true' }),
        h('span', { class: 'bar-value' }, formatCount(n)),
      ),
    ),
  );

  const breakerRows = o.breakers
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((b) =>
      h(
        'tr',
        { 'data-upstream': b.name },
        h('th', { scope: 'row' }, b.name),
        h('td', {}, pill(b.state, b.state.replace('_', '-'))),
        h('td', {}, b.retryAfterMs > 0 ? formatDuration(b.retryAfterMs) : '–'),
        h('td', { class: 'num' }, formatCount(b.transitions.open ?? 0)),
      ),
    );
  fillTable(byId<HTMLTableElement>('breakers-table'), breakerRows, 'No upstream calls made by this process yet.');

  const db = readiness?.checks.db;
  byId('db-health').textContent = db ? (db.ok ? `Database answered in ${db.latencyMs} ms.` : `Database unreachable: ${db.error ?? 'no answer'}`) : '';
}
