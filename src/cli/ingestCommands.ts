/**
 * CLI entry points (the lead wires them to commander in src/cli): `buffalo sync <source>
 * [--full]`, `buffalo process`, `buffalo renormalize <source>`, `buffalo dlq list`, `buffalo dlq
 * replay <id|--all>`. Each takes already-built deps and writes human output to the given streams.
 */
import type { SourceName } from '../config.ts';
import { createNormalizers, type Normalizer } from '../connectors/index.ts';
import type { SyncTarget } from '../connectors/index.ts';
import { listDeadLetters, queueStats, replayAll, replayDeadLetter, type DeadLetter } from '../queue/index.ts';
import { defaultConnectionId, isDefaultConnection } from '../connections/index.ts';
import { connectionOfPayload, connectionPayloadMatches, connectorOf, createIngestProcessor, INGEST_QUEUE, renormalize, runSync, type IngestDeps, type RenormalizeSummary, type RunReport, type SyncProgress } from '../ingest/index.ts';

/** Where commands write. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Redraw one progress line in place (a terminal) instead of printing nothing until the end. */
  tty: boolean;
}

function defaultIo(): CliIo {
  return { out: process.stdout, err: process.stderr, tty: Boolean(process.stderr.isTTY) };
}

/** Format a key/value table with aligned columns. */
export function formatTable(rows: Array<[string, string | number]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** One progress line. */
export function formatProgress(p: SyncProgress): string {
  return `${p.source} ${p.entity}: pagesFetched ${p.pagesFetched}, recordsFetched ${p.recordsFetched}, recordsEnqueued ${p.recordsEnqueued}, recordsDeduped ${p.recordsDeduped}, retries ${p.retries}, rate-limit waits ${p.rateLimitWaits}`;
}

/** The closing summary of a run; counts are labelled with their field names in the run report. */
export function formatRunSummary(r: RunReport): string {
  const retries = Object.entries(r.retriesByCause).map(([k, n]) => `${k} ${n}`).join(', ') || '0';
  const unmapped = Object.entries(r.unmappedStatuses).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return formatTable([
    ['run', r.runId],
    ['source', `${r.source} (${r.entity}, ${r.mode})`],
    ['connection', r.connectionId],
    ['status', r.status + (r.reason ? ` — ${r.reason}` : '')],
    ['pagesFetched', r.pagesFetched],
    ['recordsFetched', r.recordsFetched],
    ['recordsEnqueued', r.recordsEnqueued],
    ['recordsDeduped', r.recordsDeduped],
    ['recordsInvalid', `${r.recordsInvalid}${r.recordsInvalid ? ' (→ DLQ)' : ''}`],
    ['recordsSanitized', `${r.recordsSanitized}${r.recordsSanitized ? ' (NUL / unpaired surrogates → U+FFFD)' : ''}`],
    ['retries', retries],
    ['rate-limit waits', `${r.rateLimitWaits} (${Math.round(r.rateLimitWaitMs)} ms)`],
    ['token refreshes', r.tokenRefreshes],
    ['unmapped statuses', unmapped],
    ['staleCursorDetected', String(r.staleCursorDetected)],
    ['fullBackfillTriggered', String(r.fullBackfillTriggered)],
    ['cursor after', JSON.stringify(r.cursorAfter)],
    ...r.notes.map((n) => ['note', n] as [string, string]),
    ...(r.error ? [['error', r.error] as [string, string]] : []),
  ]);
}

/** `buffalo sync <source> [--full | --id <id> | --since <day> [--until <day>]]`: run one sync here with live progress and a closing summary. */
export async function syncCommand(deps: IngestDeps, args: { source: SourceName; connectionId?: string; full?: boolean; signal?: AbortSignal; target?: SyncTarget }, io: CliIo = defaultIo()): Promise<RunReport> {
  let lastLen = 0;
  const report = await runSync(deps, {
    ...(args.connectionId ? { connectionId: args.connectionId } : {}),
    ...(args.target ? { target: args.target } : {}),
    ...(args.signal ? { signal: args.signal } : {}),
    source: args.source,
    mode: args.full ? 'full' : 'incremental',
    trigger: 'cli',
    onProgress(p) {
      if (p.kind === 'stale_cursor') io.err.write(`${io.tty ? '\n' : ''}${p.source} ${p.entity}: stored cursor rejected by the upstream; running a full backfill\n`);
      if (!io.tty || p.kind === 'stale_cursor') return;
      const line = formatProgress(p);
      io.err.write(`\r${line.padEnd(lastLen)}`);
      lastLen = line.length;
    },
  });
  if (io.tty && lastLen) io.err.write('\n');
  io.out.write(formatRunSummary(report));
  return report;
}

/** `buffalo process`: drain the ingest outbox once (jobs waiting for a retry backoff stay queued). */
export async function processCommand(deps: IngestDeps, io: CliIo = defaultIo()): Promise<{ processed: number; failed: number; dead: number }> {
  if (Object.keys(deps.connectors).length === 0 && !deps.connections) {
    // Without a connector nothing can be normalized: refuse rather than burn the jobs' attempts.
    io.err.write('no connector is configured in this process (credentials or sandbox): nothing can be normalized; outbox left untouched\n');
    process.exitCode = 1;
    return { processed: 0, failed: 0, dead: 0 };
  }
  const worker = createIngestProcessor(deps, { batchSize: 500 });
  const total = { processed: 0, failed: 0, dead: 0 };
  for (;;) {
    const r = await worker.runOnce();
    total.processed += r.processed;
    total.failed += r.failed;
    total.dead += r.dead;
    if (io.tty) io.err.write(`\rprocessed ${total.processed}, retrying ${total.failed}, dead-lettered ${total.dead}`);
    if (r.claimed === 0) break;
  }
  if (io.tty) io.err.write('\n');
  const outbox = (await queueStats(deps.pool)).find((q) => q.queue === INGEST_QUEUE);
  io.out.write(formatTable([
    ['processed', total.processed],
    ['failed (will retry)', total.failed],
    ['dead-lettered', total.dead],
    ['still queued', outbox?.pending ?? 0],
    ['in the DLQ', outbox?.dead ?? 0],
  ]));
  return total;
}

/**
 * `buffalo renormalize <source> [--entity e]`: re-derive the source's unified rows from their
 * stored raw payloads with the current normalizer (no upstream call, no credentials needed).
 * `normalizer` replaces the source's own (tests).
 */
export async function renormalizeCommand(
  deps: IngestDeps,
  args: { source: SourceName; connectionId?: string; entity?: string; batchSize?: number; normalizer?: Normalizer },
  io: CliIo = defaultIo(),
): Promise<RenormalizeSummary> {
  const scope = { source: args.source, connectionId: args.connectionId ?? defaultConnectionId(args.source) };
  // A stored connection's normalizer is its connector's (e.g. its own calendar id); the default's
  // needs no credentials.
  const normalizer = args.normalizer ?? (isDefaultConnection(scope) ? createNormalizers(deps.config)[args.source] : await connectorOf(deps, scope));
  if (!normalizer) throw new Error(`connection ${scope.connectionId} is not a ${args.source} connection this process can open (unknown, removed, or its credentials cannot be read)`);
  const summary = await renormalize(deps.pool, normalizer, {
    connectionId: scope.connectionId,
    ...(args.entity ? { entity: args.entity } : {}),
    ...(args.batchSize ? { batchSize: args.batchSize } : {}),
    ...(deps.announceChanges ? { announceChanges: deps.announceChanges } : {}),
    onBatch(t) {
      if (io.tty) io.err.write(`\rrecords ${t.records}, rows changed ${t.rowsChanged}, failed ${t.failed}`);
    },
  });
  if (io.tty && summary.records) io.err.write('\n');
  io.out.write(formatTable([
    ['source', `${summary.source}${summary.entity ? ` (${summary.entity})` : ''}`],
    ['connection', summary.connectionId],
    ['records', summary.records],
    ['rows', summary.rows],
    ['rowsChanged', summary.rowsChanged],
    ['failed', `${summary.failed}${summary.failed ? ` (→ DLQ, ${summary.deadLettered} new; rows left as they were)` : ''}`],
  ]));
  if (summary.failed) process.exitCode = 1;
  return summary;
}

function describeDeadLetter(d: DeadLetter): string {
  const p = d.payload as { source?: string; entity?: string; externalId?: string } | null;
  const what = p?.source ? `${p.source}/${p.entity}/${p.externalId}` : d.queue;
  const connection = connectionOfPayload(d.payload);
  return `${d.id.padStart(6)}  ${d.failedAt.toISOString()}  ${d.queue}  ${connection ? `${connection}  ` : ''}${what}  ${d.reason}${d.replayedAt ? ' (replayed)' : ''}\n        ${d.error.name}: ${d.error.message.split('\n')[0]}`;
}

/** `buffalo dlq list [--connection id]`: dead letters, newest first (each with its connection). */
export async function dlqListCommand(deps: IngestDeps, args: { queue?: string; limit?: number; all?: boolean; connectionId?: string } = {}, io: CliIo = defaultIo()): Promise<DeadLetter[]> {
  const page = await listDeadLetters(deps.pool, {
    limit: args.limit ?? 50,
    ...(args.queue ? { queue: args.queue } : {}),
    ...(args.all ? {} : { replayed: false }),
    ...(args.connectionId ? { payloadMatches: connectionPayloadMatches(args.connectionId) } : {}),
  });
  const empty = args.connectionId ? `no dead letters of connection ${args.connectionId}\n` : 'the dead-letter queue is empty\n';
  io.out.write(page.items.length ? `${page.items.map(describeDeadLetter).join('\n')}\n` : empty);
  if (page.nextCursor) io.out.write(`… more (use --limit)\n`);
  return page.items;
}

/** `buffalo dlq replay <id|all>`: re-enqueue dead letters (idempotent). */
export async function dlqReplayCommand(deps: IngestDeps, target: string, io: CliIo = defaultIo()): Promise<{ replayed: number }> {
  if (target === 'all' || target === '--all') {
    const r = await replayAll(deps.pool);
    io.out.write(`replayed ${r.replayed} dead letter(s); ${r.enqueued} new job(s)\n`);
    return { replayed: r.replayed };
  }
  const r = await replayDeadLetter(deps.pool, target);
  if (!r.found) {
    io.err.write(`no dead letter with id ${target}\n`);
    process.exitCode = 1;
    return { replayed: 0 };
  }
  io.out.write(r.replayed ? `replayed dead letter ${target} as job ${r.jobId ?? '(merged into an outstanding job)'}\n` : `dead letter ${target} was already replayed\n`);
  return { replayed: r.replayed ? 1 : 0 };
}
