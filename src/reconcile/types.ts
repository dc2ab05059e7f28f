/** Shapes of the reconcile module. */
import type { FieldDifference } from './compareRows.ts';

/** A row named in a result. */
export interface RowSample {
  table: string;
  externalId: string;
}

/** A differing row, with the fields that differ. */
export interface DifferentSample extends RowSample {
  fields: FieldDifference[];
}

/** The outcome of comparing a source's stored rows with its upstream. */
export interface ReconcileResult {
  source: string;
  /** Records the upstream returned, and how many of them cannot be normalized (in the DLQ, not compared). */
  upstreamRecords: number;
  upstreamInvalid: number;
  /** Unified rows on each side (rows marked deleted here are not counted as stored). */
  upstreamRows: number;
  storedRows: number;
  /**
   * Rows the upstream changed after the last successful sync finished (by their upstream
   * modification time), or, when a sync of the connection ran beside the reconciliation, every
   * row that differs: a sync brings them, so they are neither missing nor different.
   */
  pending: number;
  /** The upstream has it, we do not. */
  missing: { count: number; samples: RowSample[] };
  /** We have it, the upstream does not (deleted there); rows already marked deleted here are not extra. */
  extra: { count: number; samples: RowSample[] };
  /** Both have it, with different content. */
  different: { count: number; samples: DifferentSample[] };
  /** With repair: the run that re-enqueued the missing and different records (null when nothing needed it). */
  repair: { runId: string | null; recordsEnqueued: number; extraHandling: string } | null;
}

/** missing + extra + different. */
export function totalDifferences(r: Pick<ReconcileResult, 'missing' | 'extra' | 'different'>): number {
  return r.missing.count + r.extra.count + r.different.count;
}
