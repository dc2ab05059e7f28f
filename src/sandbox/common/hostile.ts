/**
 * Hostile content (`SANDBOX_<NAME>_HOSTILE_RATE`, 0–1): that share of served records carries,
 * in one customer-typed field, content real users and integrations do send — NUL, unpaired
 * surrogates, emoji, RTL marks, HTML/script, a 100,000-character string, or a JSON type the
 * field does not normally have. Which records, which field and which content are a pure function
 * of (seed, record id), so every endpoint, event and webhook serves the same record the same
 * way, a higher rate only adds records, and `hostileTruth` tells tests exactly what was served.
 */
import type { FastifyInstance } from 'fastify';
import type { Faults, FaultState } from './faults.ts';
import { isControlPath } from './inject.ts';
import { createRng, hash32, type Rng } from './random.ts';

/** Kinds of hostile content. */
export const HOSTILE_KINDS = ['nul', 'lone_surrogate', 'emoji', 'rtl', 'html', 'huge', 'number', 'object'] as const;
/** One kind of hostile content. */
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** What a hostile record carries: `field` (a dotted path within the record) set to `value`. */
export interface Hostility {
  field: string;
  kind: HostileKind;
  value: unknown;
}

/** Length of the `huge` string. */
export const HUGE_STRING_CHARS = 100_000;

function hostileValue(kind: HostileKind, rng: Rng): unknown {
  const word = rng.pick(['Ada', 'Grace', 'Radia', 'Barbara']);
  switch (kind) {
    case 'nul':
      return `${word}\u0000${rng.pick(['', 'Lovelace', '\u0000'])}`;
    case 'lone_surrogate':
      return rng.pick([`${word} \uD83D`, `\uDE00${word}`, `${word}\uDBFF\uD800 x`]);
    case 'emoji':
      return `${word} 🦬👩🏽‍💻 𝕳𝖊𝖑𝖑𝖔`;
    case 'rtl':
      return `\u202E${word}\u202C \u200Fשלום مرحبا`;
    case 'html':
      return `<script>alert("${word}")</script><img src=x onerror=alert(1)>&amp;`;
    case 'huge':
      return `${word} ${'x'.repeat(HUGE_STRING_CHARS - word.length - 1)}`;
    case 'number':
      return rng.int(-1_000_000, 1_000_000);
    case 'object':
      return { text: word, nested: [1, { deep: true }] };
  }
}

/** The hostility of record `id` under knobs `f`, picked among `fields`; null for most records. */
export function hostilityOf(f: Pick<Faults, 'seed' | 'hostileRate'>, id: string, fields: readonly string[]): Hostility | null {
  if (f.hostileRate <= 0 || fields.length === 0) return null;
  const rng = createRng(hash32(`${f.seed}:hostile:${id}`));
  if (rng.next() >= f.hostileRate) return null;
  const field = rng.pick(fields);
  const kind = rng.pick(HOSTILE_KINDS);
  return { field, kind, value: hostileValue(kind, rng) };
}

/** A copy of `record` with the hostility applied (the record itself when there is none). */
export function applyHostility<T>(record: T, h: Hostility | null): T {
  if (!h || record === null || typeof record !== 'object') return record;
  const out = structuredClone(record) as Record<string, unknown>;
  const keys = h.field.split('.');
  let at: Record<string, unknown> = out;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (next === null || typeof next !== 'object') at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = h.value;
  return out as T;
}

/** Ground truth of what is served: record id → the field and kind of its hostile content. */
export function hostileTruth(f: Pick<Faults, 'seed' | 'hostileRate'>, ids: Iterable<string>, fields: readonly string[]): Record<string, { field: string; kind: HostileKind }> {
  const out: Record<string, { field: string; kind: HostileKind }> = {};
  for (const id of ids) {
    const h = hostilityOf(f, id, fields);
    if (h) out[id] = { field: h.field, kind: h.kind };
  }
  return out;
}

/**
 * Where a served item holds a record: its id, the customer-typed fields that may turn hostile,
 * and (for an envelope such as a Stripe event) the path of the record inside the item.
 */
export interface HostileTarget {
  id: string;
  fields: readonly string[];
  at?: string;
}

/** Apply the hostility of the record inside `item` (located by `target`), on a copy. */
export function applyHostileTarget<T>(faults: Pick<Faults, 'seed' | 'hostileRate'>, item: T, target: (item: Record<string, unknown>) => HostileTarget | null): T {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const t = target(item as Record<string, unknown>);
  const h = t ? hostilityOf(faults, t.id, t.fields) : null;
  if (!t || !h) return item;
  return applyHostility(item, t.at ? { ...h, field: `${t.at}.${h.field}` } : h);
}

/**
 * Make served records hostile as the knob says, in a `preSerialization` hook, so vendor routes
 * stay as they are: the response itself, and each element of its `listKeys` arrays (`data`,
 * `results`, `items`), is offered to `target`.
 */
export function installHostileContent(app: FastifyInstance, opts: { faults: FaultState; listKeys: readonly string[]; target: (item: Record<string, unknown>) => HostileTarget | null }): void {
  app.addHook('preSerialization', async (req, _reply, payload) => {
    const f = opts.faults.get();
    if (f.hostileRate <= 0 || isControlPath(req.url) || payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
    let out = applyHostileTarget(f, payload as Record<string, unknown>, opts.target);
    for (const key of opts.listKeys) {
      const list = (out as Record<string, unknown>)[key];
      if (!Array.isArray(list)) continue;
      if (out === payload) out = { ...out };
      (out as Record<string, unknown>)[key] = list.map((item: unknown) => applyHostileTarget(f, item, opts.target));
    }
    return out;
  });
}
