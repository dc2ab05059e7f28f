/**
 * A targeted run (`buffalo sync <source> --id/--since`, `POST /trigger` with `{id}` or
 * `{since, until}`): reads exactly the records the target names through the connector's
 * targeted reader and enqueues them like any page (versions apply; the content-hash dedupe is
 * bypassed, since a targeted run is a repair of what is stored). It never moves a cursor — its
 * pages carry none — and takes no stream lock, so it runs beside the scheduled syncs. The run's
 * `entity` names the target (`id=…`, `range=…`), which also keeps a later sync from mistaking it
 * for one of its own abandoned runs.
 */
import type { SourceName } from '../config.ts';
import type { Connector, SyncMode, SyncTarget } from '../connectors/index.ts';
import type { ConnectionScope } from '../connections/index.ts';
import { withDbRetry, withTransaction } from '../db/index.ts';
import { newCallStats } from '../resilience/index.ts';
import { finishRun, getRun, insertRun, markRunFailed, markRunSkipped, markRunStarted, newRunProgress, runState, type RunProgress } from './runs.ts';
import type { IngestDeps, RunReport } from './types.ts';
import { writePage } from './writePage.ts';
import { connectorOf } from './connectorOf.ts';

/** The run's entity label for a target. */
export function targetLabel(target: SyncTarget): string {
  return target.kind === 'id' ? `id=${target.id}` : `range=${target.since}..${target.until ?? ''}`;
}

/** Why the connector of `source` cannot serve `target` (a 400 / CLI error), or null. */
export function targetRefusal(connector: Connector | undefined, source: SourceName, target: SyncTarget): string | null {
  if (!connector) return `${source} is disabled or has no credentials configured`;
  if (!connector.targeted) return `the ${source} connector cannot read single records or date ranges`;
  return connector.targeted.refusal(target);
}

/** Run one targeted sync (a new run, or the accepted run `runId`). */
export async function runTargetedSync(
  deps: IngestDeps,
  opts: ConnectionScope & { mode: SyncMode; target: SyncTarget; runId?: string; trigger?: string; signal?: AbortSignal },
): Promise<RunReport> {
  const { pool } = deps;
  const scope: ConnectionScope = { source: opts.source, connectionId: opts.connectionId };
  const logger = deps.logger.child({ component: 'ingest.targeted', source: opts.source, connectionId: opts.connectionId });
  const entity = targetLabel(opts.target);
  let runId = opts.runId;
  const stored = runId ? await withDbRetry(() => runState(pool, runId!)) : null;
  const existing = stored?.status ?? null;
  if (runId && existing && existing !== 'queued' && existing !== 'running') return (await getRun(pool, runId))!;
  // An accepted run's stored label wins, as in runSync.
  const trigger = stored?.trigger ?? opts.trigger ?? 'cli';
  const connector = await connectorOf(deps, scope);
  const refusal = targetRefusal(connector, opts.source, opts.target);
  if (refusal || !connector?.targeted) {
    if (runId && existing) await withDbRetry(() => markRunSkipped(pool, runId!, refusal ?? 'not supported'));
    else runId = await withDbRetry(() => insertRun(pool, { ...scope, entity, mode: opts.mode, status: 'skipped', trigger, reason: refusal ?? 'not supported' }));
    return (await getRun(pool, runId!))!;
  }
  if (runId && existing) await withDbRetry(() => markRunStarted(pool, runId!));
  else runId = await withDbRetry(() => insertRun(pool, { ...scope, entity, mode: opts.mode, status: 'running', trigger }));
  const id = runId!;
  let progress: RunProgress = newRunProgress(newCallStats());
  const notes = progress.notes;
  const ctx = {
    stats: progress.stats,
    signal: opts.signal ?? new AbortController().signal,
    note: (text: string) => {
      if (!notes.includes(text)) notes.push(text);
    },
  };
  ctx.note(`targeted run (${entity}): the stream cursors were not read or moved`);
  logger.info({ runId: id, target: opts.target, trigger }, 'targeted sync started');
  try {
    for await (const page of connector.targeted.pages(opts.target, ctx)) {
      const before = progress;
      progress = await withDbRetry(() => withTransaction(pool, (tx) => writePage(tx, { connector, scope, runId: id, streamEntity: entity, page: { records: page.records, cursorAfter: null }, progress: before, force: true })));
    }
    const final = progress;
    await withDbRetry(() => withTransaction(pool, (tx) => finishRun(tx, id, final, final.recordsInvalid > 0 ? 'partial' : 'success', null)));
  } catch (err) {
    logger.error({ runId: id, err }, 'targeted sync failed');
    await withDbRetry(() => withTransaction(pool, (tx) => markRunFailed(tx, id, (err as Error).message ?? String(err)))).catch(() => undefined);
  }
  return (await withDbRetry(() => getRun(pool, id)))!;
}
