/**
 * Walking JSON values of any depth without recursion. A JSON.parse'd value can be nested far
 * deeper than the call stack allows to recurse (V8 parses iteratively; JSON.stringify and
 * safe-stable-stringify overflow the stack at ~10,000 levels), so anything that must survive
 * hostile input measures and serializes with an explicit stack.
 */

/** Nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1); stops counting once past `limit`. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth]);
    }
  }
  return max;
}

type Task = { lit: string } | { v: unknown };

/** JSON text of an acyclic JSON value, as JSON.stringify writes it, at any depth. */
export function jsonText(value: unknown): string {
  const out: string[] = [];
  const stack: Task[] = [{ v: value }];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if ('lit' in t) {
      out.push(t.lit);
      continue;
    }
    let v = t.v;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
    if (v === null || typeof v !== 'object') {
      // undefined, functions and symbols are skipped in objects (below); in arrays they are null.
      out.push(typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? 'null'));
      continue;
    }
    if (Array.isArray(v)) {
      stack.push({ lit: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i] });
        if (i > 0) stack.push({ lit: ',' });
      }
      stack.push({ lit: '[' });
      continue;
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    stack.push({ lit: '}' });
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      stack.push({ v: x });
      stack.push({ lit: `${JSON.stringify(k)}:` });
      if (i > 0) stack.push({ lit: ',' });
    }
    stack.push({ lit: '{' });
  }
  return out.join('');
}
