import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { databasesFromTemplate } from '../../bench/database.ts';
import { formatTable } from '../../bench/report.ts';
import { ingestScenario } from '../../bench/scenarios/ingest.ts';
import { metricsScenario } from '../../bench/scenarios/metrics.ts';
import type { BenchResult, ScenarioContext } from '../../bench/types.ts';

// The bench's own code at a tiny size, so it keeps working between full runs. No timing
// assertions: only that each scenario completes and reports well-formed, positive figures.
function context(): ScenarioContext {
  const admin = process.env.BUFFALO_TEST_PG_URL;
  const template = process.env.BUFFALO_TEST_TEMPLATE;
  if (!admin || !template) throw new Error('run through bin/run-tests.js');
  return { databases: databasesFromTemplate(admin, template), log: () => undefined };
}

function assertWellFormed(rows: BenchResult[], scenario: string): void {
  assert.ok(rows.length > 0, 'at least one result row');
  for (const r of rows) {
    assert.equal(r.scenario, scenario);
    assert.ok(r.metric.length > 0 && r.unit.length > 0, 'metric and unit named');
    assert.ok(Number.isFinite(r.value) && r.value > 0, `${r.metric}: positive figure (${r.value})`);
    assert.ok(r.baseline, `${r.metric}: has a baseline`);
    assert.ok(r.baseline.name.length > 0 && Number.isFinite(r.baseline.value) && r.baseline.value > 0, `${r.metric}: positive baseline (${r.baseline.value})`);
    assert.ok(r.ratio !== null && r.ratio > 0, `${r.metric}: positive ratio`);
    assert.equal(r.pass === null, r.target === null, `${r.metric}: judged exactly when it has a target`);
    assert.equal(typeof r.params, 'object');
  }
  const table = formatTable(rows);
  for (const r of rows) assert.ok(table.includes(r.metric), `table shows ${r.metric}`);
}

describe('bench smoke (tiny sizes, same code as `buffalo bench`)', () => {
  it('ingest with 2k outbox records reports processor and raw-upsert throughput', async () => {
    const rows = await ingestScenario.run(context(), { records: 2000, workers: 2, batchSize: 500, rounds: 1 });
    assertWellFormed(rows, 'ingest');
    assert.equal(rows[0]?.params.records, 2000);
  });

  it('metrics at 20k payments reports p50/p99 of summary, daily and weekly against the seed approach', async () => {
    const rows = await metricsScenario.run(context(), { sizes: [20_000], iterations: 5, baselineSeconds: 1 });
    assertWellFormed(rows, 'metrics');
    assert.deepEqual(
      rows.map((r) => r.metric),
      ['summary', 'daily', 'weekly', 'daily (all sources)'].flatMap((v) => [`${v} p50 @ 20k`, `${v} p99 @ 20k`]),
    );
  });
});
