/** Test helpers: drain a connector stream the way the pipeline does (page by page, cursor kept). */
import { newCallStats, type CallStats } from '../../src/resilience/index.ts';
import type { EntityStream, Page, RawRecord, SyncMode } from '../../src/connectors/contract.ts';

/** Everything one run produced. */
export interface Collected {
  pages: Page[];
  records: RawRecord[];
  /** The last non-null cursorAfter (what the pipeline would have stored), or the start cursor. */
  cursor: string | null;
  stats: CallStats;
  /** Notes the connector added for the run report. */
  notes: string[];
}

/** Run `stream.pages` to the end, keeping the last stored cursor. */
export async function collect(
  stream: EntityStream,
  cursor: string | null,
  mode: SyncMode,
  opts: { stats?: CallStats; maxPages?: number; afterPage?: (n: number, page: Page) => Promise<void> } = {},
): Promise<Collected> {
  const stats = opts.stats ?? newCallStats();
  const pages: Page[] = [];
  const notes: string[] = [];
  let stored = cursor;
  const note = (text: string) => void (notes.includes(text) || notes.push(text));
  for await (const page of stream.pages(cursor, mode, { stats, signal: new AbortController().signal, note })) {
    pages.push(page);
    if (page.cursorAfter !== null) stored = page.cursorAfter;
    await opts.afterPage?.(pages.length, page);
    if (opts.maxPages !== undefined && pages.length >= opts.maxPages) break;
  }
  return { pages, records: pages.flatMap((p) => p.records), cursor: stored, stats, notes };
}

/** Ids that occur more than once. */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return [...dup];
}

/** GET/POST JSON against a simulator's control endpoints. */
export async function control<T = unknown>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
