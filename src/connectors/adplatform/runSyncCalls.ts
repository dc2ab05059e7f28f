/**
 * Background `POST /api/campaigns/:id/sync` calls with bounded concurrency. Campaign ids are
 * queued as list pages arrive; each finished call becomes a record ('campaign_sync' on success,
 * 'campaign_sync_failed' after the policy gave up) that the stream hands to the pipeline as soon
 * as it can, so one slow call never holds back the saving of the others. The policy (rate
 * limiter, bulkhead, retries) still governs every call; the bound here keeps each call's wait
 * in the limiter short, so a bearer token fetched for it does not expire while it queues.
 */
import type { RawRecord } from '../contract.ts';
import { CallCancelledError } from '../../resilience/index.ts';

/** The queue of sync calls of one run. */
export interface SyncCalls {
  /** Queue a campaign id (ignored once seen, or after stop). */
  add(id: string): void;
  /** Records of calls finished since the last take (possibly none). */
  take(): RawRecord[];
  /** Wait until at least one call finished (or none is left); false when none is left. */
  next(): Promise<boolean>;
  /** Ids queued or running. */
  outstanding(): number;
  /** Ids whose call failed after retries. */
  failedIds(): string[];
  /** Start no more calls (in-flight ones finish; their results are dropped). */
  stop(): void;
}

/** What one sync call does: resolves with the platform's `synced_at` (ISO) or throws. */
export type SyncCall = (id: string) => Promise<string>;

/** A sync-call queue running at most `concurrency` calls at once. */
export function createSyncCalls(call: SyncCall, opts: { concurrency: number; now: () => number; onFailure?: (id: string, err: unknown) => void }): SyncCalls {
  const queued: string[] = [];
  const seen = new Set<string>();
  const done: RawRecord[] = [];
  const failed: string[] = [];
  let running = 0;
  let stopped = false;
  let wake: (() => void) | undefined;

  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const pump = () => {
    while (!stopped && running < opts.concurrency && queued.length > 0) {
      const id = queued.shift() as string;
      running++;
      call(id)
        .then(
          (syncedAt) => done.push({ entity: 'campaign_sync', externalId: id, payload: { campaign_id: id, synced_at: syncedAt } }),
          (err: unknown) => {
            // Cancelled with the run (shutdown): not a failure; the next run lists and queues it again.
            if (err instanceof CallCancelledError) return;
            failed.push(id);
            opts.onFailure?.(id, err);
            const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
            done.push({ entity: 'campaign_sync_failed', externalId: id, payload: { campaign_id: id, error, failed_at: new Date(opts.now()).toISOString() } });
          },
        )
        .finally(() => {
          running--;
          pump();
          notify();
        });
    }
  };

  return {
    add(id) {
      if (stopped || seen.has(id)) return;
      seen.add(id);
      queued.push(id);
      pump();
    },
    take: () => done.splice(0, done.length),
    async next() {
      if (done.length > 0) return true;
      if (running === 0 && (queued.length === 0 || stopped)) return false;
      await new Promise<void>((resolve) => (wake = resolve));
      return true;
    },
    outstanding: () => running + (stopped ? 0 : queued.length),
    failedIds: () => [...failed],
    stop() {
      stopped = true;
      queued.length = 0;
    },
  };
}
