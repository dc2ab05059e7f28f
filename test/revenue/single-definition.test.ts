import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRevenueLogic, scanForRevenueLogic } from './findRevenueLogic.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('single revenue definition', () => {
  it('no file under src/ decides what counts as revenue except src/revenue/definition.ts and its migration', () => {
    const findings = scanForRevenueLogic(ROOT);
    assert.deepEqual(findings, [], findings.map((f) => `${f.file}:${f.line} [${f.rule}] ${f.text}`).join('\n'));
  });

  it('flags revenue logic written elsewhere (the checker is not vacuous)', () => {
    const flagged = (file: string, src: string) => findRevenueLogic(file, src).map((f) => f.rule);
    assert.deepEqual(flagged('src/orders/report.ts', "const sql = `SELECT sum(amount_cents) FROM payments WHERE status IN ('COLLECTED', 'REFUNDED')`;"), ['literal', 'selection', 'aggregation']);
    assert.deepEqual(flagged('src/http/dashboard.ts', "const paid = rows.filter((p) => p.status === 'COLLECTED');"), ['literal', 'selection']);
    assert.deepEqual(flagged('src/ingest/report.ts', "const ok = p.status === 'REFUNDED' || p.status === 'COLLECTED';"), ['selection']);
    assert.deepEqual(flagged('src/ingest/runs.ts', "const total = rows.filter(isPaid).reduce((a, p) => a + p.amount, 0n);\nconst isPaid = (p) => ['COLLECTED', 'REFUNDED'].includes(p.status);"), ['selection', 'aggregation']);
    assert.deepEqual(flagged('src/ingest/x.sql', "SELECT count(*) FROM payments WHERE status\n  IN (\n 'COLLECTED')"), ['selection']);
    assert.deepEqual(flagged('src/ingest/y.sql', "SELECT 1 FROM payments WHERE status = ANY(ARRAY['REFUNDED'])"), ['selection']);
  });

  it('allows status mapping, enumerations of all statuses, comments and the definition itself', () => {
    const clean = (file: string, src: string) => assert.deepEqual(findRevenueLogic(file, src), [], file);
    clean('src/connectors/stripe/statusMap.ts', "export const MAP = { succeeded: 'COLLECTED', refunded: 'REFUNDED' };\nif (c.refunded) return 'REFUNDED';");
    clean('src/http/payments.ts', "status: z.enum(['COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN']),");
    clean('src/orders/x.ts', "export type S =\n  | 'COLLECTED'\n  | 'PENDING'\n  | 'FAILED'\n  | 'REFUNDED'\n  | 'UNKNOWN';\nconst s = sum(1);");
    clean('src/ingest/migrations/0200_payments.sql', "status text CHECK (status IN ('COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN')),\n-- counts COLLECTED as revenue via sum(");
    clean('src/metrics/x.ts', "// status === 'COLLECTED' is decided in src/revenue/definition.ts\n/* sum('REFUNDED') */ export const url = 'https://example.com/a';");
    clean('src/revenue/definition.ts', "export const REVENUE_STATUSES = ['COLLECTED', 'REFUNDED'] as const; const x = sum(1);");
  });
});
