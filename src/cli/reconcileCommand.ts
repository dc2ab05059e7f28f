/** `buffalo reconcile <source> [--repair]`: reconcile here and print the result. */
import type { SourceName } from '../config.ts';
import type { IngestDeps } from '../ingest/index.ts';
import { runReconciliation, type Reconciliation } from '../reconcile/index.ts';
import { formatTable, type CliIo } from './ingestCommands.ts';

/** Run one reconciliation and print it; exit code 1 when it failed or found differences. */
export async function reconcileCommand(deps: IngestDeps, args: { source: SourceName; connectionId?: string; repair?: boolean; signal?: AbortSignal }, io: CliIo): Promise<Reconciliation> {
  const r = await runReconciliation(deps, { source: args.source, ...(args.connectionId ? { connectionId: args.connectionId } : {}), repair: Boolean(args.repair), trigger: 'cli', ...(args.signal ? { signal: args.signal } : {}) });
  const res = r.result;
  const rows: Array<[string, string | number]> = [['reconciliation', r.reconciliationId], ['source', r.source], ['connection', r.connectionId], ['status', r.status]];
  if (res) {
    rows.push(
      ['upstream', `${res.upstreamRecords} records → ${res.upstreamRows} rows (${res.upstreamInvalid} not normalizable, in the DLQ)`],
      ['stored', `${res.storedRows} rows`],
      ['pending', `${res.pending} (changed upstream since the last sync finished; the next sync brings them)`],
      ['missing', `${res.missing.count}${res.missing.samples.length ? ` (e.g. ${res.missing.samples.map((s) => `${s.table}:${s.externalId}`).join(', ')})` : ''}`],
      ['extra', `${res.extra.count}${res.extra.samples.length ? ` (e.g. ${res.extra.samples.map((s) => `${s.table}:${s.externalId}`).join(', ')})` : ''}`],
      ['different', res.different.count],
      ...res.different.samples.map((s) => ['', `${s.table}:${s.externalId} ${s.fields.map((f) => `${f.field} ${JSON.stringify(f.stored)} ≠ upstream ${JSON.stringify(f.upstream)}`).join('; ')}`] as [string, string]),
    );
    if (res.repair) {
      rows.push(['repair', res.repair.runId ? `${res.repair.recordsEnqueued} record(s) enqueued by run ${res.repair.runId}; the processor applies them (buffalo process)` : 'nothing to repair']);
      if (res.extra.count) rows.push(['extra rows', res.repair.extraHandling]);
    }
  }
  if (r.error) rows.push(['error', r.error]);
  io.out.write(formatTable(rows));
  process.exitCode = r.status === 'failed' || (res && res.missing.count + res.extra.count + res.different.count > 0 && !res.repair) ? 1 : 0;
  return r;
}
