/**
 * .env.example and the README configuration table against the one schema (src/config.ts, with
 * the meanings in src/configVariables.ts): every variable the schema reads is in both, at its
 * default in .env.example, secrets blank; the committed file is exactly what
 * `npm run env:example` writes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listConfigVariables } from '../../src/config.ts';
import { configVariables, renderEnvExample } from '../../src/configVariables.ts';

const EXAMPLE = path.resolve('.env.example');
const README = path.resolve('README.md');

function exampleEntries(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const m of text.matchAll(/^# ([A-Z][A-Z0-9_]*)=(.*)$/gm)) entries.set(m[1]!, m[2]!);
  return entries;
}

describe('.env.example', () => {
  it('lists every variable the schema reads, and no other', () => {
    const entries = exampleEntries(readFileSync(EXAMPLE, 'utf8'));
    const read = listConfigVariables().map((v) => v.name);
    assert.deepEqual(read.filter((n) => !entries.has(n)), [], 'variables missing from .env.example: run `npm run env:example`');
    assert.deepEqual([...entries.keys()].filter((n) => !read.includes(n)), [], 'variables in .env.example the schema no longer reads: run `npm run env:example`');
  });

  it('every variable has a meaning, secrets are blank, the others at their default', () => {
    const entries = exampleEntries(readFileSync(EXAMPLE, 'utf8'));
    for (const v of configVariables()) {
      assert.ok(v.meaning.length > 0, v.name);
      assert.equal(entries.get(v.name), v.secret ? '' : v.default, `${v.name} in .env.example`);
    }
    assert.ok(configVariables().some((v) => v.name === 'STRIPE_API_KEY' && v.secret));
  });

  it('is exactly what `npm run env:example` writes', () => {
    assert.equal(readFileSync(EXAMPLE, 'utf8'), renderEnvExample(), '.env.example is stale: run `npm run env:example` and commit it');
  });
});

describe('README configuration table', () => {
  it('names every variable the schema reads (resilience knobs by their suffix)', () => {
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## API overview'));
    const knob = /^(STRIPE|HUBSPOT|GCAL|ADPLATFORM|EVENTS|INVENTORY)_(TIMEOUT_MS|DEADLINE_MS|RETRY_MAX_ATTEMPTS|RETRY_BASE_MS|RETRY_MAX_MS|BREAKER_THRESHOLD|BREAKER_WINDOW_MS|BREAKER_HALF_OPEN_MS|BREAKER_MAX_HALF_OPEN_MS|RATE_LIMIT_PER_MIN|RATE_LIMIT_BURST|CONCURRENCY)$/;
    const missing = listConfigVariables()
      .map((v) => v.name)
      .filter((name) => {
        const m = knob.exec(name);
        return m ? !section.includes(`\`${m[2]}\``) : !section.includes(`\`${name}\``);
      });
    assert.deepEqual(missing, [], 'variables the README configuration section does not name');
  });
});
