/**
 * Identical concurrent calls share one promise: the first caller for a key runs the call, later
 * callers for the same key (from any request) get its promise until it settles, after which
 * the entry is gone and the next caller starts fresh (no caching of results).
 */

/** A map of in-flight calls by key. */
export interface InFlightMap<K, V> {
  /** Join the in-flight call for `key`, or start `fn` as that call. */
  run(key: K, fn: () => Promise<V>): Promise<V>;
  /** Keys with a call in flight. */
  size(): number;
}

/** Create an empty in-flight map. */
export function createInFlightMap<K, V>(): InFlightMap<K, V> {
  const inFlight = new Map<K, Promise<V>>();
  return {
    run(key, fn) {
      const current = inFlight.get(key);
      if (current) return current;
      const started = (async () => fn())().finally(() => {
        if (inFlight.get(key) === started) inFlight.delete(key);
      });
      inFlight.set(key, started);
      return started;
    },
    size: () => inFlight.size,
  };
}
