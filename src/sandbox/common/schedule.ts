/**
 * A min-heap of future happenings keyed by (time, insertion order), so simulators can schedule
 * "this pending charge resolves in 3 h" and drain everything due in time order. Hand-written:
 * a dozen lines, and no installed package provides a priority queue.
 */

/** Happenings ordered by time; ties keep insertion order (deterministic). */
export interface TimeQueue<T> {
  push(at: number, item: T): void;
  /** Remove and return the earliest item due at or before `until`, if any. */
  popDue(until: number): { at: number; item: T } | undefined;
  /** Time of the earliest item. */
  peekAt(): number | undefined;
  size(): number;
}

/** An empty TimeQueue. */
export function createTimeQueue<T>(): TimeQueue<T> {
  const heap: Array<{ at: number; seq: number; item: T }> = [];
  let seq = 0;
  const less = (a: number, b: number) => {
    const x = heap[a]!;
    const y = heap[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  };
  const swap = (a: number, b: number) => {
    const t = heap[a]!;
    heap[a] = heap[b]!;
    heap[b] = t;
  };
  return {
    push(at, item) {
      heap.push({ at, seq: seq++, item });
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(i, p)) break;
        swap(i, p);
        i = p;
      }
    },
    popDue(until) {
      const top = heap[0];
      if (!top || top.at > until) return undefined;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(l, m)) m = l;
          if (r < heap.length && less(r, m)) m = r;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
      return { at: top.at, item: top.item };
    },
    peekAt: () => heap[0]?.at,
    size: () => heap.length,
  };
}
