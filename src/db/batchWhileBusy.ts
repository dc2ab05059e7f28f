/**
 * Group commit: requests that arrive while earlier ones are being written wait and are written
 * together. Why by hand: DataLoader-style batchers collect one tick's calls and dispatch at once
 * with no bound on batches in flight, so on a busy server every tick becomes its own small
 * transaction. Here at most `maxInFlight` batches run at a time and everything that queued
 * behind them leaves as the next batch: an idle server answers a lone request at once, a busy
 * one pays one round trip and one commit (WAL flush) for many requests. See
 * docs/architecture.md, "Group commit".
 */
import { histogram } from '../metrics.ts';

/** How one batch ended for each of its items, in order. */
export type BatchOutcome<R> = Array<{ ok: true; value: R } | { ok: false; error: unknown }>;

/** Options of {@link batchWhileBusy}. */
export interface BatchWhileBusyOptions<I> {
  /** Most items in one batch (default 64). */
  maxBatch?: number;
  /** Batches running at once (default 2): while they run, new items queue for the next. */
  maxInFlight?: number;
  /** Items with the same key never share a batch (a later one waits for the next batch). */
  exclusiveKey?: (item: I) => string;
  /** Label of `buffalo_batch_size` (items per batch), e.g. `orders`; unset: not measured. */
  name?: string;
}

const batchSize = histogram('buffalo_batch_size', 'Items written per batch by group commit (orders per transaction, Idempotency-Key claims per statement).', ['batch'], [1, 2, 3, 4, 6, 8, 12, 16, 32, 64]);

/** Submit one item; resolves with its own result once its batch has run. */
export type BatchedCall<I, R> = (item: I) => Promise<R>;

interface Waiting<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/** Wrap `runBatch` (items → one outcome per item, never rejecting) into a per-item call that batches while busy. */
export function batchWhileBusy<I, R>(runBatch: (items: I[]) => Promise<BatchOutcome<R>>, opts: BatchWhileBusyOptions<I> = {}): BatchedCall<I, R> {
  const maxBatch = opts.maxBatch ?? 64;
  const maxInFlight = opts.maxInFlight ?? 2;
  const queue: Array<Waiting<I, R>> = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    // After the current I/O callbacks: requests handled in the same turn of the loop share a batch.
    setImmediate(flush);
  };
  const flush = () => {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = takeBatch(queue, maxBatch, opts.exclusiveKey);
      inFlight++;
      if (opts.name) batchSize.observe({ batch: opts.name }, batch.length);
      void runBatch(batch.map((w) => w.item))
        .then(
          (outcome) => batch.forEach((w, i) => settle(w, outcome[i])),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          inFlight--;
          schedule();
        });
    }
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      schedule();
    });
}

function settle<R>(w: Waiting<unknown, R>, result: BatchOutcome<R>[number] | undefined): void {
  if (!result) w.reject(new Error('batch returned no outcome for an item'));
  else if (result.ok) w.resolve(result.value);
  else w.reject(result.error);
}

// Oldest first; an item whose key is already in the batch stays queued, in order.
function takeBatch<I, R>(queue: Array<Waiting<I, R>>, maxBatch: number, exclusiveKey?: (item: I) => string): Array<Waiting<I, R>> {
  if (!exclusiveKey) return queue.splice(0, maxBatch);
  const batch: Array<Waiting<I, R>> = [];
  const keys = new Set<string>();
  for (let i = 0; i < queue.length && batch.length < maxBatch; ) {
    const w = queue[i] as Waiting<I, R>;
    const key = exclusiveKey(w.item);
    if (keys.has(key)) {
      i++;
      continue;
    }
    keys.add(key);
    batch.push(w);
    queue.splice(i, 1);
  }
  return batch;
}
