/** The printed table and bench/results.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchReport, BenchResult } from './types.ts';

/** Format a number for the table: thousands separators for big values, ≤ 3 significant decimals for small. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** The results as a plain-text table (also pasted into bench/README.md as Markdown). */
export function formatTable(results: readonly BenchResult[], style: 'text' | 'markdown' = 'text'): string {
  const header = ['scenario', 'metric', 'figure', 'baseline', 'ratio', 'target', 'result'];
  const rows = results.map((r) => [
    r.scenario,
    r.metric,
    `${formatNumber(r.value)} ${r.unit}`,
    r.baseline ? `${formatNumber(r.baseline.value)} ${r.baseline.unit} (${r.baseline.name})` : '—',
    r.ratio === null ? '—' : `${r.ratio < 0.01 ? r.ratio.toPrecision(2) : formatNumber(r.ratio)}×`,
    r.target?.text ?? '—',
    r.pass === null ? '—' : r.pass ? 'PASS' : 'MISS',
  ]);
  if (style === 'markdown') {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The machine line printed under the table and in the README. */
export function formatMachine(report: Pick<BenchReport, 'machine' | 'durationS' | 'generatedAt' | 'database'>): string {
  const m = report.machine;
  const durability = report.database.fsync === 'on' ? 'durable' : 'fsync off (--fast)';
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres} (embedded, ${durability}); load average ${m.loadAverage.start} → ${m.loadAverage.end}; ${report.durationS} s, ${report.generatedAt}`;
}

/** Write the report as pretty JSON. */
export function writeReport(file: string, report: BenchReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
