/**
 * An append-only, time-ordered collection with Stripe list semantics: newest first, `limit`,
 * `starting_after` / `ending_before` cursors by object id, `created` bounds, an optional
 * predicate, and a retention floor (objects before it are gone, e.g. events after 30 days).
 */

/** Bounds on `created` (unix seconds), as in `created[gte]=…`. */
export interface CreatedRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** One list request against a store. */
export interface ListQuery<T> {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  created?: CreatedRange;
  where?: (item: T) => boolean;
}

/** The result of a list request, or the cursor that does not exist. */
export type ListResult<T> = { ok: true; data: T[]; hasMore: boolean } | { ok: false; missingCursor: 'starting_after' | 'ending_before'; id: string };

/** Time-ordered store of objects with `id` and `created` (unix s), appended in created order. */
export class TimeOrderedStore<T extends { id: string }> {
  private readonly items: T[] = [];
  private readonly createdS: number[] = [];
  private readonly index = new Map<string, number>();
  /** Items below this index are expired (retention). */
  private floor = 0;

  /** Append; `createdS` must not go backwards. */
  append(item: T, createdS: number): void {
    const last = this.createdS[this.createdS.length - 1];
    if (last !== undefined && createdS < last) throw new Error(`append out of order: ${createdS} < ${last}`);
    this.index.set(item.id, this.items.length);
    this.items.push(item);
    this.createdS.push(createdS);
  }

  /** Expire everything created before `cutoffS`. */
  expireBefore(cutoffS: number): void {
    this.floor = Math.max(this.floor, this.lowerBound(cutoffS));
    // Drop expired items once they are the majority, so memory follows the retained set.
    if (this.floor > 1024 && this.floor * 2 > this.items.length) {
      for (const item of this.items.splice(0, this.floor)) this.index.delete(item.id);
      this.createdS.splice(0, this.floor);
      for (let i = 0; i < this.items.length; i++) this.index.set(this.items[i]!.id, i);
      this.floor = 0;
    }
  }

  /** A live item by id. */
  get(id: string): T | undefined {
    const i = this.index.get(id);
    return i === undefined || i < this.floor ? undefined : this.items[i];
  }

  /** Every live item, oldest first. */
  all(): T[] {
    return this.items.slice(this.floor);
  }

  /** Number of live items. */
  size(): number {
    return this.items.length - this.floor;
  }

  /** Run a Stripe list query. */
  list(q: ListQuery<T>): ListResult<T> {
    let lo = this.floor;
    let hi = this.items.length;
    const c = q.created ?? {};
    if (c.gte !== undefined) lo = Math.max(lo, this.lowerBound(c.gte));
    if (c.gt !== undefined) lo = Math.max(lo, this.lowerBound(c.gt + 1));
    if (c.lte !== undefined) hi = Math.min(hi, this.lowerBound(c.lte + 1));
    if (c.lt !== undefined) hi = Math.min(hi, this.lowerBound(c.lt));
    const match = q.where ?? (() => true);
    if (q.endingBefore !== undefined) {
      const at = this.liveIndex(q.endingBefore);
      if (at === undefined) return { ok: false, missingCursor: 'ending_before', id: q.endingBefore };
      // The `limit` matches right after the cursor (newer), returned newest first.
      const found: T[] = [];
      for (let i = Math.max(lo, at + 1); i < hi && found.length <= q.limit; i++) if (match(this.items[i]!)) found.push(this.items[i]!);
      const hasMore = found.length > q.limit;
      return { ok: true, data: found.slice(0, q.limit).reverse(), hasMore };
    }
    if (q.startingAfter !== undefined) {
      const at = this.liveIndex(q.startingAfter);
      if (at === undefined) return { ok: false, missingCursor: 'starting_after', id: q.startingAfter };
      hi = Math.min(hi, at);
    }
    const found: T[] = [];
    for (let i = hi - 1; i >= lo && found.length <= q.limit; i--) if (match(this.items[i]!)) found.push(this.items[i]!);
    return { ok: true, data: found.slice(0, q.limit), hasMore: found.length > q.limit };
  }

  /** How many live items match `created` and `where` (a list's `total_count`). */
  count(q: Pick<ListQuery<T>, 'created' | 'where'>): number {
    const res = this.list({ ...q, limit: Number.MAX_SAFE_INTEGER });
    return res.ok ? res.data.length : 0;
  }

  private liveIndex(id: string): number | undefined {
    const i = this.index.get(id);
    return i === undefined || i < this.floor ? undefined : i;
  }

  /** First index whose created ≥ `s`. */
  private lowerBound(s: number): number {
    let a = 0;
    let b = this.createdS.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (this.createdS[m]! < s) a = m + 1;
      else b = m;
    }
    return a;
  }
}
