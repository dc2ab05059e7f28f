import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeStorable, storableJson, storableString, REPLACEMENT_CHAR, MAX_REPORTED_PATHS } from '../../src/db/index.ts';
import { jsonDepth, jsonText } from '../../src/ingest/measureJson.ts';
import { prepareRecord, MAX_JSON_DEPTH } from '../../src/ingest/prepareRecord.ts';
import { hashContent } from '../../src/ingest/index.ts';

// eslint-disable-next-line no-control-regex -- NUL is exactly what this must find
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Any UTF-16 string, lone surrogates and NUL included.
const anyString = fc.string({ unit: 'binary', maxLength: 40 }).chain((s) => fc.constantFrom(s, `${s}\u0000`, `\uD800${s}`, `${s}\uDC00x`));
const validString = fc.string({ unit: 'grapheme', maxLength: 40 });
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, anyString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(anyString, tie('value'), { maxKeys: 4 })),
})).value;

describe('makeStorable (pure sanitizer)', () => {
  it('valid strings — emoji, ZWJ sequences, astral characters, RTL marks, markup — are returned untouched', () => {
    for (const s of ['🦬 Buffalo 👩🏽‍💻', '𝕳𝖊𝖑𝖑𝖔 𠜎', '\u202Eשלום\u202C \u200F', '<script>alert("x")</script>', 'a'.repeat(100_000), '']) {
      const r = makeStorable({ s, list: [s] });
      assert.equal(r.report, null);
      assert.deepEqual(r.value, { s, list: [s] });
    }
    fc.assert(fc.property(fc.dictionary(validString, validString), (obj) => {
      const r = makeStorable(obj);
      return r.report === null && r.value === obj;
    }));
  });

  it('never leaves NUL or an unpaired surrogate, and JSON of the result is accepted as jsonb text (no \\u0000, no lone \\udXXX escape)', () => {
    fc.assert(fc.property(anyJson, (v) => {
      const { value } = makeStorable(v);
      const json = jsonText(value);
      assert.ok(!/\\u0000/.test(json));
      assert.ok(!/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i.test(json), json);
      const strings: string[] = [];
      JSON.parse(json, (k, x) => (typeof x === 'string' && strings.push(x), strings.push(k), x));
      return strings.every((s) => !UNSTORABLE.test(s));
    }));
  });

  it('replaces exactly the bad code units by U+FFFD (same length, everything else equal) and counts them', () => {
    fc.assert(fc.property(anyString, (s) => {
      const r = storableString(s);
      assert.equal(r.value.length, s.length);
      let changed = 0;
      for (let i = 0; i < s.length; i++) if (r.value[i] !== s[i]) { changed++; assert.equal(r.value[i], REPLACEMENT_CHAR); }
      assert.equal(changed, r.nul + r.loneSurrogates);
      assert.equal(r.nul, [...s].filter((c) => c === '\u0000').length);
      return storableString(r.value).value === r.value; // idempotent
    }));
  });

  it('storableJson is the JSON of the storable value (clean values: exactly JSON.stringify, a literal backslash-u0000 included)', () => {
    fc.assert(fc.property(anyJson, (v) => {
      const { json, report } = storableJson(v);
      const expected = makeStorable(v);
      assert.equal(json, JSON.stringify(expected.value));
      return (report === null) === (expected.report === null);
    }));
    const literal = { s: '\\u0000 and \\ud800 are text here' };
    assert.deepEqual(storableJson(literal), { json: JSON.stringify(literal), report: null });
    assert.equal(storableJson(new Date(0)).json, '"1970-01-01T00:00:00.000Z"', 'what JSON.stringify makes of it');
  });

  it('reports paths (capped), keeps colliding keys apart, and does not change the input', () => {
    const input = { a: 'x\u0000', 'k\u0000': 1, 'k\uFFFD': 2, list: ['\uD83D', '\uD83D\uDE00'] };
    const copy = structuredClone(input);
    const r = makeStorable(input);
    assert.deepEqual(input, copy);
    assert.deepEqual(r.report && { nul: r.report.nul, loneSurrogates: r.report.loneSurrogates }, { nul: 2, loneSurrogates: 1 });
    assert.deepEqual([...r.report!.paths].sort(), ['$.a', '$.list[0]', '${k\uFFFD}']);
    assert.deepEqual(Object.values(r.value).slice(1, 3).sort(), [1, 2], 'both keys kept');
    const many = makeStorable(Array.from({ length: 100 }, () => '\u0000'));
    assert.equal(many.report!.nul, 100);
    assert.equal(many.report!.paths.length, MAX_REPORTED_PATHS);
  });

  it('handles 100,000 levels of nesting without recursion; prepareRecord marks it unstorable instead of hashing it', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    assert.equal(makeStorable(deep).report!.nul, 1);
    assert.equal(jsonDepth(deep), depth);
    assert.equal(jsonDepth(deep, MAX_JSON_DEPTH), MAX_JSON_DEPTH + 1, 'stops counting past the limit');
    assert.throws(() => hashContent(deep), /nested more than/);
    const prepared = prepareRecord('stripe', { entity: 'event', externalId: 'evt_1', payload: { deep } });
    assert.match(prepared.unstorable!.reason, /nested more than 64 levels/);
    assert.equal(prepared.payload, null);
    assert.equal(prepared.unstorable!.rawJson.length, `{"deep":${'['.repeat(depth)}"\uFFFD"${']'.repeat(depth)}}`.length);
  });

  it('the content hash is of the sanitized payload: stable across runs, unchanged for clean records', () => {
    fc.assert(fc.property(anyJson, (payload) => {
      const a = prepareRecord('s', { entity: 'e', externalId: 'x', payload });
      const b = prepareRecord('s', { entity: 'e', externalId: 'x', payload: structuredClone(payload) });
      assert.equal(a.hash, b.hash);
      assert.equal(a.hash, hashContent(makeStorable(payload).value));
      if (makeStorable(payload).report === null) assert.equal(a.hash, hashContent(payload));
      return a.sanitized === null || a.sanitized.nul + a.sanitized.loneSurrogates > 0;
    }));
  });

  it('jsonText writes what JSON.stringify writes', () => {
    fc.assert(fc.property(fc.jsonValue(), anyJson, (a, b) => jsonText(a) === JSON.stringify(a) && jsonText(b) === JSON.stringify(b)));
  });
});
