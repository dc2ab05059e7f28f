/**
 * The revenue panel: daily or weekly buckets from /metrics/revenue/{daily,weekly} as a uPlot
 * chart (gross and net), the exact totals, and the same buckets as a table for screen readers.
 * The chart container carries `data-points` (buckets plotted), which the browser test reads.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, callApi } from './api.ts';
import { byId, fillTable, h } from './dom.ts';
import { dateDaysAgo, formatCount, formatMoney, minorToChartValue } from './format.ts';
import type { DailyRevenue, WeeklyRevenue } from './types.ts';

interface Bucket {
  start: string;
  amountCents: string;
  refundedCents: string;
  netRevenueCents: string;
  count: number;
}

interface Selection {
  period: 'daily' | 'weekly';
  range: string;
  currency: string;
  source: string;
}

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Create the panel; `refresh(apiKey)` loads and draws. */
export function createRevenuePanel(): { refresh(apiKey: string): Promise<void> } {
  const form = byId<HTMLFormElement>('revenue-controls');
  const chartEl = byId('revenue-chart');
  const showGross = byId<HTMLInputElement>('show-gross');
  const showNet = byId<HTMLInputElement>('show-net');
  let timeZone = browserZone;
  let chart: uPlot | null = null;
  let chartKey = '';
  let dataKey = '';
  let buckets: Bucket[] = [];
  let lastKey: string | null = null;

  const selection = (): Selection => {
    const data = new FormData(form);
    return {
      period: data.get('period') === 'weekly' ? 'weekly' : 'daily',
      range: String(data.get('range') ?? '90'),
      currency: String(data.get('currency') ?? 'USD'),
      source: String(data.get('source') ?? ''),
    };
  };

  const draw = (sel: Selection): void => {
    const key = `${sel.period}|${sel.currency}`;
    const xs = buckets.map((b) => Date.parse(`${b.start}T00:00:00Z`) / 1000);
    const gross = buckets.map((b) => minorToChartValue(b.amountCents, sel.currency));
    const net = buckets.map((b) => minorToChartValue(b.netRevenueCents, sel.currency));
    const data: uPlot.AlignedData = [xs, gross, net];
    chartEl.dataset.points = String(xs.length);
    chartEl.setAttribute('aria-label', `${sel.period === 'daily' ? 'Daily' : 'Weekly'} revenue in ${sel.currency}: ${xs.length} ${sel.period === 'daily' ? 'days' : 'weeks'} with revenue`);
    if (chart && chartKey === key) {
      chart.setData(data);
      return;
    }
    chart?.destroy();
    chartKey = key;
    const opts = chartOptions(sel, chartEl.clientWidth || 600, () => buckets);
    // Clicking a series in uPlot's legend toggles it too; keep the checkboxes in step.
    opts.hooks = { setSeries: [(u, idx) => syncCheckbox(u, idx, showGross, showNet)] };
    chart = new uPlot(opts, data, chartEl);
    chart.setSeries(1, { show: showGross.checked });
    chart.setSeries(2, { show: showNet.checked });
  };

  const renderTotals = (r: DailyRevenue | WeeklyRevenue, sel: Selection): void => {
    byId('total-gross').textContent = formatMoney(r.totalRevenueCents, sel.currency);
    byId('total-refunded').textContent = formatMoney(r.refundedCents, sel.currency);
    byId('total-net').textContent = formatMoney(r.netRevenueCents, sel.currency);
    byId('total-count').textContent = formatCount(r.count);
    const rows = [...buckets].reverse().map((b) =>
      h('tr', {}, h('th', { scope: 'row' }, sel.period === 'weekly' ? `Week of ${b.start}` : b.start), h('td', { class: 'num' }, formatMoney(b.amountCents, sel.currency)),
        h('td', { class: 'num' }, formatMoney(b.refundedCents, sel.currency)), h('td', { class: 'num' }, formatMoney(b.netRevenueCents, sel.currency)), h('td', { class: 'num' }, formatCount(b.count))),
    );
    fillTable(byId<HTMLTableElement>('revenue-table'), rows, 'No revenue in this range.');
  };

  const refresh = async (apiKey: string): Promise<void> => {
    lastKey = apiKey;
    const sel = selection();
    const q = new URLSearchParams({ currency: sel.currency, timezone: timeZone });
    if (sel.range !== 'all') q.set('startDate', dateDaysAgo(Number(sel.range) - 1, timeZone));
    if (sel.source) q.set('source', sel.source);
    let r: DailyRevenue | WeeklyRevenue;
    try {
      r = await callApi<DailyRevenue | WeeklyRevenue>(`/metrics/revenue/${sel.period}?${q}`, { apiKey });
    } catch (err) {
      // A zone the browser knows but PostgreSQL does not: fall back to UTC once.
      if (err instanceof ApiError && err.field === 'timezone' && timeZone !== 'UTC') {
        timeZone = 'UTC';
        return refresh(apiKey);
      }
      throw err;
    }
    buckets = r.breakdown.map((b) => ({ ...b, start: 'date' in b ? b.date : b.weekStartDate }));
    const key = `${sel.period}|${sel.currency}|${JSON.stringify(buckets)}`;
    renderTotals(r, sel);
    if (key !== dataKey || !chart) draw(sel);
    dataKey = key;
  };

  form.addEventListener('change', (e) => {
    const target = e.target as HTMLInputElement;
    if (target === showGross || target === showNet) {
      chart?.setSeries(target === showGross ? 1 : 2, { show: target.checked });
      return;
    }
    if (lastKey) void refresh(lastKey).catch(() => undefined);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  new ResizeObserver(() => {
    if (chart && chartEl.clientWidth > 0 && Math.abs(chart.width - chartEl.clientWidth) > 2) chart.setSize({ width: chartEl.clientWidth, height: 280 });
  }).observe(chartEl);

  return { refresh };
}

function syncCheckbox(u: uPlot, idx: number | null, gross: HTMLInputElement, net: HTMLInputElement): void {
  if (idx === 1) gross.checked = u.series[1]?.show !== false;
  if (idx === 2) net.checked = u.series[2]?.show !== false;
}

function chartOptions(sel: Selection, width: number, current: () => Bucket[]): uPlot.Options {
  const compact = new Intl.NumberFormat(undefined, { style: 'currency', currency: sel.currency, notation: 'compact', maximumFractionDigits: 1 });
  // Legend values come from the exact strings, not the plotted floats.
  const legend = (field: 'amountCents' | 'netRevenueCents') => (_u: uPlot, _v: number | null, _si: number, idx: number | null) => {
    const b = idx === null ? undefined : current()[idx];
    return b ? formatMoney(b[field], sel.currency) : '–';
  };
  return {
    width,
    height: 280,
    // Buckets are calendar dates; plot them at UTC midnight and label them in UTC so a date never shifts.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true } },
    series: [
      { label: sel.period === 'daily' ? 'Day' : 'Week of', value: (_u, ts) => (ts === null ? '–' : new Date(ts * 1000).toISOString().slice(0, 10)) },
      { label: 'Gross', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.10)', width: 2, points: { show: sel.period === 'weekly' }, value: legend('amountCents') },
      { label: 'Net', stroke: '#059669', width: 2, points: { show: sel.period === 'weekly' }, value: legend('netRevenueCents') },
    ],
    axes: [
      { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#e2e8f0' } },
      { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#e2e8f0' }, size: 64, values: (_u, splits) => splits.map((v) => compact.format(v)) },
    ],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
  };
}
