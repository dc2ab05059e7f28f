/**
 * `buffalo status`: one screen for an operator — per source (enabled, where it points, last run,
 * last success), the last runs, the connections (counts per provider and status, and the ones
 * needing attention), queue depths, the DLQ size, and circuit breakers. Everything but
 * the breakers comes from the database; breakers live in each process, so they are read from a
 * running API (`/dashboard/api/overview` with the API key, else `/readyz`), or reported missing.
 */
import { SOURCES, type Config, type SourceName } from '../config.ts';
import type { Pool } from '../db/index.ts';
import { listRuns, summarizeConnections, type ConnectionsSummary, type RunReport } from '../ingest/index.ts';
import { queueStats, type QueueStats } from '../queue/index.ts';
import type { Booted } from './boot.ts';
import { commandApi } from './locateInstance.ts';
import { openDatabase } from './openDatabase.ts';
import { upstreamsToSimulate } from './wireSandbox.ts';
import { describeUpstreams, type UpstreamState } from '../upstreamSetup.ts';

/** Where a source's records come from. */
export type SourceUpstream = UpstreamState;

/** One source's line. */
export interface SourceStatus {
  source: SourceName;
  enabled: boolean;
  upstream: SourceUpstream;
  lastRun: { status: string; createdAt: string; mode: string; trigger: string } | null;
  lastSuccessAt: string | null;
}

/** One breaker as a running API reports it. */
export interface BreakerStatus {
  name: string;
  state: string;
  retryAfterMs: number;
}

/** Everything `buffalo status` shows. */
export interface StatusReport {
  at: Date;
  apiUrl: string;
  api: { reachable: true; status: string; syncStatus: string | null; breakers: BreakerStatus[]; breakersFrom: 'overview' | 'readyz' } | { reachable: false; error: string };
  database: { reachable: true; sources: SourceStatus[]; runs: RunReport[]; connections: ConnectionsSummary; queues: QueueStats[]; dlq: number } | { reachable: false; error: string };
}

const RUNS_SHOWN = 8;
// Connections needing attention listed by name; the rest are counted (one screen with 1,000).
const ATTENTION_SHOWN = 10;
const ERROR_SHOWN_CHARS = 100;
const API_TIMEOUT_MS = 2000;

/** Gather the report. `pool` null means the database could not be opened (`dbError` says why). */
export async function collectStatus(deps: { pool: Pool | null; dbError?: string; config: Config; apiUrl: string; apiKey?: string; now?: Date }): Promise<StatusReport> {
  const [api, database] = await Promise.all([readApi(deps.apiUrl, deps.apiKey), deps.pool ? readDatabase(deps.pool, deps.config) : Promise.resolve(null)]);
  return {
    at: deps.now ?? new Date(),
    apiUrl: deps.apiUrl,
    api,
    database: database ?? { reachable: false, error: deps.dbError ?? 'not opened' },
  };
}

async function readDatabase(pool: Pool, config: Config): Promise<StatusReport['database']> {
  try {
    const upstreams = describeUpstreams(config, upstreamsToSimulate(config));
    const [recent, connections, queues, perSource] = await Promise.all([
      listRuns(pool, { limit: RUNS_SHOWN }),
      summarizeConnections(pool, { limit: ATTENTION_SHOWN }),
      queueStats(pool),
      Promise.all(
        SOURCES.map(async (source) => {
          const [last, success, partial] = await Promise.all([
            listRuns(pool, { source, limit: 5 }),
            listRuns(pool, { source, status: 'success', limit: 1 }),
            listRuns(pool, { source, status: 'partial', limit: 1 }),
          ]);
          return { source, last: last.runs.find((r) => r.status !== 'skipped') ?? last.runs[0] ?? null, finished: [...success.runs, ...partial.runs] };
        }),
      ),
    ]);
    const sources: SourceStatus[] = perSource.map(({ source, last, finished }) => {
      const enabled = config[source].enabled;
      return {
        source,
        enabled,
        upstream: upstreams[source].state,
        lastRun: last ? { status: last.status, createdAt: last.createdAt, mode: last.mode, trigger: last.trigger } : null,
        lastSuccessAt: finished.map((r) => r.finishedAt).filter((t): t is string => t !== null).sort().at(-1) ?? null,
      };
    });
    return { reachable: true, sources, runs: recent.runs, connections, queues, dlq: queues.reduce((n, q) => n + q.dead, 0) };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

interface ReadyzBody {
  status?: string;
  syncStatus?: string;
  checks?: {
    ingest?: { sources?: Record<string, { breaker?: { state: string; retryAfterMs: number } | null }> };
    eventsGateway?: { breakers?: Record<string, { upstream: string; state: string; retryAfterMs: number }> };
  };
}

async function readApi(apiUrl: string, apiKey: string | undefined): Promise<StatusReport['api']> {
  let ready: ReadyzBody;
  try {
    const res = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(API_TIMEOUT_MS) });
    ready = (await res.json()) as ReadyzBody;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { reachable: false, error: cause ?? (err as Error).message };
  }
  const status = ready.status ?? 'unknown';
  const syncStatus = ready.syncStatus ?? null;
  // The overview lists every breaker of the process (inventory too); /readyz only sources and the event service.
  if (apiKey) {
    try {
      const res = await fetch(`${apiUrl}/dashboard/api/overview`, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(API_TIMEOUT_MS) });
      if (res.ok) {
        const o = (await res.json()) as { breakers: BreakerStatus[] };
        return { reachable: true, status, syncStatus, breakers: o.breakers.map(({ name, state, retryAfterMs }) => ({ name, state, retryAfterMs })), breakersFrom: 'overview' };
      }
    } catch {
      // Fall back to /readyz below.
    }
  }
  const breakers: BreakerStatus[] = [];
  for (const [name, s] of Object.entries(ready.checks?.ingest?.sources ?? {})) if (s.breaker) breakers.push({ name, ...s.breaker });
  for (const b of Object.values(ready.checks?.eventsGateway?.breakers ?? {})) breakers.push({ name: b.upstream, state: b.state, retryAfterMs: b.retryAfterMs });
  return { reachable: true, status, syncStatus, breakers, breakersFrom: 'readyz' };
}

/** ANSI colours for states (or none). */
function painter(color: boolean): (state: string, text?: string) => string {
  const codes: Record<string, string> = {
    ok: '32', healthy: '32', success: '32', closed: '32', configured: '32',
    degraded: '33', partial: '33', half_open: '33', queued: '33', simulated: '36', running: '36',
    failed: '31', open: '31', unavailable: '31', 'not configured': '31',
  };
  return (state, text = state) => (color && codes[state] ? `\x1b[${codes[state]}m${text}\x1b[0m` : text);
}

/** "3 min ago" style age. */
export function ago(iso: string | null, now: Date): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

// Columns padded on the visible text, so colour codes do not break the alignment.
function table(headers: string[], rows: Array<Array<{ text: string; shown?: string }>>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: Array<{ text: string; shown?: string }>) =>
    `  ${cells.map((c, i) => (c.shown ?? c.text) + ' '.repeat(Math.max(0, (widths[i] ?? 0) - c.text.length))).join('  ')}`.trimEnd();
  return [line(headers.map((h) => ({ text: h }))), ...rows.map(line)].join('\n');
}

/** Render the report as one screen of text. */
export function formatStatus(r: StatusReport, opts: { color?: boolean } = {}): string {
  const paint = painter(Boolean(opts.color));
  const cell = (text: string, state?: string) => ({ text, shown: state ? paint(state, text) : text });
  const out: string[] = [`Buffalo status · ${r.at.toISOString().replace('T', ' ').slice(0, 19)} UTC`, ''];

  out.push(
    r.api.reachable
      ? `API        ${r.apiUrl}  ${paint(r.api.status)}${r.api.syncStatus ? `  sync ${paint(r.api.syncStatus)}` : ''}`
      : `API        ${r.apiUrl}  API not reachable (${r.api.error})`,
  );
  if (!r.database.reachable) {
    out.push(`Database   ${paint('unavailable', `not reachable: ${r.database.error}`)}`);
  } else {
    const db = r.database;
    out.push(`Database   ok`, '', 'Sources');
    out.push(
      table(
        ['source', 'enabled', 'upstream', 'last run', '', 'last success'],
        db.sources.map((s) => [
          cell(s.source),
          cell(s.enabled ? 'yes' : 'no'),
          cell(s.upstream, s.upstream),
          s.lastRun ? cell(s.lastRun.status, s.lastRun.status) : cell('–'),
          cell(s.lastRun ? `${ago(s.lastRun.createdAt, r.at)} (${s.lastRun.mode}, ${s.lastRun.trigger})` : ''),
          cell(ago(s.lastSuccessAt, r.at)),
        ]),
      ),
    );
    out.push('', 'Last runs');
    out.push(
      db.runs.length === 0
        ? '  none yet'
        : table(
            ['created', 'source', 'mode', 'status', 'recordsFetched', 'recordsUpserted', 'recordsFailed', 'duration'],
            db.runs.map((run) => [
              cell(ago(run.createdAt, r.at)),
              cell(run.source),
              cell(run.mode),
              cell(run.status, run.status),
              cell(String(run.recordsFetched)),
              cell(String(run.recordsUpserted)),
              cell(String(run.recordsFailed), run.recordsFailed ? 'failed' : undefined),
              cell(run.startedAt ? `${(((run.finishedAt ? Date.parse(run.finishedAt) : r.at.getTime()) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s` : '–'),
            ]),
          ),
    );
    out.push('', ...formatConnections(db.connections, r.at, cell));
    out.push('', 'Queues');
    out.push(
      db.queues.length === 0
        ? '  all empty'
        : table(
            ['queue', 'pending', 'ready', 'running', 'dead', 'oldest ready'],
            db.queues.map((q) => [cell(q.queue), cell(String(q.pending)), cell(String(q.ready)), cell(String(q.running)), cell(String(q.dead), q.dead ? 'failed' : undefined), cell(q.oldestPendingAgeMs ? `${(q.oldestPendingAgeMs / 1000).toFixed(1)} s` : '–')]),
          ),
    );
    out.push('', `DLQ        ${db.dlq === 0 ? 'empty' : paint('failed', `${db.dlq} dead letter(s) waiting`) + ' — `buffalo dlq list`, then `buffalo dlq replay <id|--all>`'}`);
  }

  out.push('', 'Breakers');
  if (!r.api.reachable) out.push('  API not reachable: breakers live in each running process; start the API or set BUFFALO_URL');
  else if (r.api.breakers.length === 0) out.push('  none yet (the API process has made no upstream calls)');
  else {
    out.push(table(['upstream', 'state', 'probe in'], r.api.breakers.map((b) => [cell(b.name), cell(b.state, b.state), cell(b.retryAfterMs ? `${Math.ceil(b.retryAfterMs / 1000)} s` : '–')])));
    out.push(`  (from the API's ${r.api.breakersFrom === 'overview' ? '/dashboard/api/overview' : '/readyz'}; other processes keep their own)`);
  }
  return `${out.join('\n')}\n`;
}

type Cell = { text: string; shown?: string };

// Counts per provider (those with connections), then the ones needing attention with why.
function formatConnections(c: ConnectionsSummary, at: Date, cell: (text: string, state?: string) => Cell): string[] {
  const out = [`Connections (${c.total}${c.needingAttention ? `, ${c.needingAttention} need attention` : ''})`];
  const used = c.counts.filter((p) => p.active + p.paused + p.broken > 0);
  if (used.length === 0) return [...out, '  none'];
  out.push(table(['provider', 'active', 'paused', 'broken'], used.map((p) => [cell(p.provider), cell(String(p.active)), cell(String(p.paused)), cell(String(p.broken), p.broken ? 'failed' : undefined)])));
  const attention = c.items.filter((x) => x.needsAttention);
  if (attention.length === 0) return out;
  out.push('', 'Connections needing attention (broken, or last run failed)');
  out.push(
    table(
      ['provider', 'name', 'id', 'status', 'last run', '', 'error'],
      attention.map((x) => {
        const why = (x.status === 'broken' ? x.statusReason : null) ?? x.lastRun?.error ?? '';
        const oneLine = why.replace(/\s+/g, ' ').trim();
        return [
          cell(x.provider),
          cell(x.name),
          cell(x.id),
          cell(x.status, x.status === 'broken' ? 'failed' : undefined),
          x.lastRun ? cell(x.lastRun.status, x.lastRun.status) : cell('never ran'),
          cell(x.lastRun ? ago(x.lastRun.createdAt, at) : ''),
          cell(oneLine.length > ERROR_SHOWN_CHARS ? `${oneLine.slice(0, ERROR_SHOWN_CHARS - 1)}…` : oneLine),
        ];
      }),
    ),
  );
  if (c.needingAttention > attention.length) out.push(`  … and ${c.needingAttention - attention.length} more: \`buffalo connections list --status broken\`, GET /connections`);
  return out;
}

/** `buffalo status`: print the screen; returns the exit code (1 when the database is unreachable). */
export async function statusCommand(booted: Booted, io: { out: NodeJS.WritableStream; color: boolean; env: Record<string, string | undefined> } = defaultIo()): Promise<number> {
  const { config, logger } = booted;
  let db: Awaited<ReturnType<typeof openDatabase>> | null = null;
  let dbError: string | undefined;
  try {
    db = await openDatabase(config, logger, { poolMax: 4, migrate: !booted.readOnly });
  } catch (err) {
    dbError = (err as Error).message;
  }
  // Found through its database (bootReadOnly): that instance's API gets the key, a guessed address only /readyz.
  const api = commandApi(booted.config, io.env, () => booted.apiUrl);
  try {
    const report = await collectStatus({
      pool: db?.pool ?? null,
      ...(dbError ? { dbError } : {}),
      config,
      apiUrl: api.url,
      ...(config.auth.apiKey && api.trusted ? { apiKey: config.auth.apiKey } : {}),
    });
    io.out.write(formatStatus(report, { color: io.color }));
    return report.database.reachable ? 0 : 1;
  } finally {
    await db?.close();
  }
}

function defaultIo(): { out: NodeJS.WritableStream; color: boolean; env: Record<string, string | undefined> } {
  return { out: process.stdout, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, env: process.env };
}
