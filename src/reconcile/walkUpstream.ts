/**
 * Reading the whole upstream of a source for a reconciliation: every stream of its connector in
 * 'full' mode from a null cursor — the very read a backfill does, paced by the source's policy —
 * but nothing is written (no outbox, no cursor). Each record is made storable and normalized
 * exactly as the pipeline would, and kept per unified row with the newest version seen (a
 * Stripe charge listed, then changed by a later event in the same read).
 */
import type { Connector, PageContext, RawRecord } from '../connectors/index.ts';
import { mayReplace } from '../connectors/index.ts';
import { dryRunNormalize, preparePage, versionOf } from '../ingest/index.ts';
import { comparableOf, isCompared, type Comparable, type ComparedTable } from './compareRows.ts';

/** The upstream's state of one unified row, with the record that carries it (for a repair). */
export interface UpstreamRow {
  table: ComparedTable;
  externalId: string;
  fields: Comparable;
  record: RawRecord;
  version: string | null;
  /** The upstream lists it as deleted (HubSpot archived, Google cancelled). */
  deleted: boolean;
}

/** What the walk saw. */
export interface UpstreamWalk {
  rows: Map<string, UpstreamRow>;
  /** Records read. */
  records: number;
  /** Records that cannot be normalized or stored (they are in the DLQ, not compared). */
  invalid: number;
}

/** Walk every stream of `connector` from the start. */
export async function walkUpstream(connector: Connector, ctx: PageContext): Promise<UpstreamWalk> {
  const rows = new Map<string, UpstreamRow>();
  let records = 0;
  let invalid = 0;
  for (const stream of connector.streams) {
    for await (const page of stream.pages(null, 'full', ctx)) {
      records += page.records.length;
      for (const r of preparePage(connector.source, page.records)) {
        if (r.unstorable) {
          invalid++;
          continue;
        }
        const unified = dryRunNormalize(connector.normalize, r);
        if (!unified) {
          invalid++;
          continue;
        }
        const record: RawRecord = { entity: r.entity, externalId: r.externalId, payload: r.payload, ...(r.version !== undefined ? { version: r.version } : {}) };
        const { version } = versionOf(record, unified);
        for (const u of unified) {
          if (!isCompared(u)) continue;
          const key = `${u.table}:${u.row.externalId}`;
          const prev = rows.get(key);
          if (prev && !mayReplace(version, prev.version)) continue;
          const deleted = 'deleted' in u.row && u.row.deleted === true;
          rows.set(key, { table: u.table, externalId: u.row.externalId, fields: comparableOf(u.table, u.row), record, version, deleted });
        }
      }
    }
  }
  return { rows, records, invalid };
}
