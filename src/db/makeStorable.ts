/**
 * Making upstream content storable in PostgreSQL. `text` cannot hold NUL, and `jsonb` rejects
 * `\u0000` and unpaired UTF-16 surrogates (which JSON.stringify writes as `\udXXX` escapes), so
 * one such character would fail the whole statement carrying it. Both are replaced by U+FFFD
 * (the Unicode replacement character, what a UTF-8 decoder yields for bytes it cannot read) and
 * every replacement is reported (in document order), so the caller can record what was
 * changed. Valid text — emoji, astral characters, RTL marks, markup — is never touched.
 */

/** The replacement for a character PostgreSQL cannot store. */
export const REPLACEMENT_CHAR = '\uFFFD';

/** At most this many changed paths are listed in a report (the counts stay exact). */
export const MAX_REPORTED_PATHS = 20;

/** What {@link makeStorable} replaced. */
export interface StorableReport {
  /** NUL characters replaced. */
  nul: number;
  /** Unpaired surrogates replaced. */
  loneSurrogates: number;
  /** Where, as JSON paths (`$.a.b[2]`; a key that was itself changed is marked `$.a{key}`), the first {@link MAX_REPORTED_PATHS}. */
  paths: string[];
}

// A path under a 100k-character key must not make the report itself huge.
const MAX_PATH_CHARS = 200;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this must find
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const HAS_UNSTORABLE = new RegExp(UNSTORABLE.source);

/** `s` with NUL and unpaired surrogates replaced by U+FFFD, and how many of each. */
export function storableString(s: string): { value: string; nul: number; loneSurrogates: number } {
  // Fast path: almost every string is fine.
  if (!HAS_UNSTORABLE.test(s)) return { value: s, nul: 0, loneSurrogates: 0 };
  let nul = 0;
  let loneSurrogates = 0;
  const value = s.replace(UNSTORABLE, (m) => {
    if (m === '\u0000') nul++;
    else loneSurrogates++;
    return REPLACEMENT_CHAR;
  });
  return { value, nul, loneSurrogates };
}

/** Whether `s` holds no NUL and no unpaired surrogate, so a text or jsonb column takes it as is. */
export function isStorableString(s: string): boolean {
  return !HAS_UNSTORABLE.test(s);
}

/** `s` made storable in a text column (for messages built from upstream content). */
export function storableText(s: string): string {
  return storableString(s).value;
}

/**
 * A copy of the JSON value `input` whose strings (values and keys) PostgreSQL can store, and
 * a report of the replacements (null when nothing was changed; the input itself is then
 * returned). Iterative, so any nesting depth is handled without growing the call stack. A key
 * that collides with a sibling after replacement gets further U+FFFD until unique, so no value
 * is lost.
 */
export function makeStorable<T>(input: T): { value: T; report: StorableReport | null } {
  const report: StorableReport = { nul: 0, loneSurrogates: 0, paths: [] };
  const note = (path: string, r: { nul: number; loneSurrogates: number }) => {
    report.nul += r.nul;
    report.loneSurrogates += r.loneSurrogates;
    if (report.paths.length < MAX_REPORTED_PATHS) report.paths.push(path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path);
  };

  if (typeof input === 'string') {
    const r = storableString(input);
    if (r.value === input) return { value: input, report: null };
    note('$', r);
    return { value: r.value as T, report };
  }
  if (input === null || typeof input !== 'object') return { value: input, report: null };
  // Almost every value is clean: one scan without copies, paths or closures answers for those.
  if (isStorable(input)) return { value: input, report: null };

  // A dirty value is copied whole (rare; a full copy keeps this simple) and the caller never
  // shares the result with the input.
  const root: { v: unknown } = { v: undefined };
  const stack: Array<{ src: unknown; set: (v: unknown) => void; path: string }> = [{ src: input, set: (v) => (root.v = v), path: '$' }];
  while (stack.length > 0) {
    const { src, set, path } = stack.pop()!;
    if (typeof src === 'string') {
      const r = storableString(src);
      if (r.value !== src) note(path, r);
      set(r.value);
    } else if (Array.isArray(src)) {
      const out: unknown[] = new Array(src.length);
      set(out);
      // Pushed last to first, so they are visited (and their paths reported) in document order.
      for (let i = src.length - 1; i >= 0; i--) stack.push({ src: src[i], set: (v) => (out[i] = v), path: `${path}[${i}]` });
    } else if (src !== null && typeof src === 'object' && !(src instanceof Date)) {
      const out: Record<string, unknown> = {};
      set(out);
      const children: typeof stack = [];
      for (const [key, v] of Object.entries(src)) {
        let k = key;
        const r = storableString(key);
        if (r.value !== key) {
          note(`${path}{${r.value}}`, r);
          k = r.value;
          while (Object.hasOwn(src, k) || Object.hasOwn(out, k)) k += REPLACEMENT_CHAR;
        }
        out[k] = undefined;
        children.push({ src: v, set: (x) => (out[k] = x), path: `${path}.${k}` });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    } else {
      set(src);
    }
  }
  if (report.nul === 0 && report.loneSurrogates === 0) return { value: input, report: null };
  return { value: root.v as T, report };
}

// Whether every string (value or key) under `input` can be stored as is. Iterative, like the copy.
function isStorable(input: object): boolean {
  const stack: unknown[] = [input];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (HAS_UNSTORABLE.test(v)) return false;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        if (HAS_UNSTORABLE.test(key)) return false;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return true;
}

// JSON.stringify writes NUL and an unpaired surrogate only as these escapes (a valid pair is
// written as itself), so JSON text without them is storable. A match may be a false alarm
// (an escaped backslash followed by "u0000"): the slow path then finds nothing to replace.
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/**
 * The JSON text of `value` (as JSON.stringify writes it: toJSON, Dates) that a jsonb column
 * accepts: NUL and unpaired surrogates replaced by U+FFFD, with the report of
 * {@link makeStorable} (null when nothing was changed). Clean values cost one scan of the text.
 */
export function storableJson(value: unknown): { json: string; report: StorableReport | null } {
  const json = JSON.stringify(value ?? null);
  if (!UNSTORABLE_ESCAPE.test(json)) return { json, report: null };
  const { value: storable, report } = makeStorable(JSON.parse(json) as unknown);
  return { json: report ? JSON.stringify(storable) : json, report };
}
