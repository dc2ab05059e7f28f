import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The linter is what keeps modules' insides private: another module is imported only through its
// index.ts (docs/development.md). Checked on code as a newcomer would write it.
describe('module boundaries are enforced by the linter', () => {
  const eslint = new ESLint({ cwd: root });
  const restricted = async (code: string, file: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it('rejects an import of another module\'s internal file, from a module, a subfolder and src/', async () => {
    assert.equal((await restricted("import { runSync } from '../ingest/runSync.ts';\nexport const x = runSync;\n", 'src/changes/probe.ts')).length, 1);
    assert.equal((await restricted("import { normalizeStripe } from '../../ingest/writePage.ts';\nexport const x = normalizeStripe;\n", 'src/connectors/stripe/probe.ts')).length, 1);
    assert.equal((await restricted("import { startCommand } from './cli/start.ts';\nexport const x = startCommand;\n", 'src/probe.ts')).length, 1);
    assert.match((await restricted("import { enqueue } from '../queue/enqueue.ts';\nexport const x = enqueue;\n", 'src/cli/probe.ts'))[0] ?? '', /only through its index\.ts/);
  });

  it('accepts imports through index.ts, within a module, and tests reaching anywhere', async () => {
    assert.deepEqual(await restricted("import { runSync } from '../ingest/index.ts';\nexport const x = runSync;\n", 'src/changes/probe.ts'), []);
    assert.deepEqual(await restricted("import { stripeApi } from '../stripeApi.ts';\nexport const x = stripeApi;\n", 'src/connectors/stripe/sub/probe.ts'), []);
    assert.deepEqual(await restricted("import { runSync } from './runSync.ts';\nexport const x = runSync;\n", 'src/ingest/probe.ts'), []);
    assert.deepEqual(await restricted("import { runSync } from '../../src/ingest/runSync.ts';\nexport const x = runSync;\n", 'test/ingest/probe.test.ts'), []);
  });
});
