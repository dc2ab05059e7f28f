/**
 * The single-definition check (src/revenue/README.md): finds revenue-status logic outside the one module that
 * defines revenue. Unified statuses may be *named* where raw upstream statuses are mapped to
 * them (connectors, ingest normalizers, the payments table); they may be *used to decide what
 * counts as revenue* only in src/revenue/definition.ts and the migration defining
 * buffalo_counts_as_revenue. Precisely, outside those two files:
 *  - literal: 'COLLECTED' / 'REFUNDED' appear only under src/connectors/ or src/ingest/;
 *  - selection: no comparison or set test against them (`status = 'COLLECTED'`,
 *    `status IN ('COLLECTED', …)`, `=== 'REFUNDED'`, a list holding both);
 *  - aggregation: no file names them and also sums (`sum(`, `.reduce(`).
 * A list naming all five unified statuses is an enumeration (a CHECK constraint, a zod enum, a
 * type), not a selection, and is ignored. Comments are ignored.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One place where revenue logic was found. */
export interface Finding {
  file: string;
  line: number;
  rule: 'literal' | 'selection' | 'aggregation';
  text: string;
}

/** Files allowed to decide what counts as revenue. */
export const DEFINITION_FILES = ['src/revenue/definition.ts', 'src/revenue/migrations/0300_revenue_rollup.sql'];
/** Folders that map raw statuses to unified ones and may name them. */
export const MAPPING_DIRS = ['src/connectors/', 'src/ingest/'];

const ALL = ['COLLECTED', 'PENDING', 'FAILED', 'REFUNDED', 'UNKNOWN'];
const QUOTED = /(['"`])(COLLECTED|PENDING|FAILED|REFUNDED|UNKNOWN)\1/g;
const REVENUE_LITERAL = /(['"`])(?:COLLECTED|REFUNDED)\1/;
const SELECTIONS = [
  /status\w*["'`]?\s*(?:={1,3}|!==?|<>|\bin\s*\(|=\s*any\s*\()\s*(?:\(|\[|array\[)?\s*(['"`])(?:COLLECTED|REFUNDED)\1/i,
  /(['"`])(?:COLLECTED|REFUNDED)\1\s*(?:===?|!==?|<>)/,
  /[[(]\s*(['"`])(?:COLLECTED|REFUNDED)\1\s*,\s*(['"`])(?:COLLECTED|REFUNDED)\2/,
];
const AGGREGATE = /\bsum\s*\(|\.reduce\s*\(/i;

/** Blank comments, keeping line breaks so line numbers stay right. */
function stripComments(text: string, isSql: boolean): string {
  const blank = (m: string) => m.replace(/[^\n]/g, ' ');
  let out = text.replace(/\/\*[\s\S]*?\*\//g, blank);
  out = out.replace(/(^|[^:'"`\w])\/\/.*$/gm, (m, pre: string) => pre + blank(m.slice(pre.length)));
  out = isSql ? out.replace(/--.*$/gm, blank) : out.replace(/(^|\s)--\s.*$/gm, (m, pre: string) => pre + blank(m.slice(pre.length)));
  return out;
}

/** Replace status literals that are part of an enumeration of all five statuses. */
function blankEnumerations(text: string): string {
  const hits = [...text.matchAll(QUOTED)].map((m) => ({ at: m.index, len: m[0].length, status: m[2] as string }));
  const enumerated = new Set<number>();
  for (const h of hits) {
    const near = hits.filter((o) => Math.abs(o.at - h.at) <= 160);
    if (ALL.every((s) => near.some((o) => o.status === s))) enumerated.add(h.at);
  }
  let out = text;
  for (const h of hits.filter((x) => enumerated.has(x.at)).reverse()) out = out.slice(0, h.at) + `'${'_'.repeat(h.len - 2)}'` + out.slice(h.at + h.len);
  return out;
}

/** Findings for one file's content; `file` is the repository-relative path. */
export function findRevenueLogic(file: string, content: string): Finding[] {
  if (DEFINITION_FILES.includes(file)) return [];
  const code = blankEnumerations(stripComments(content, file.endsWith('.sql')));
  const lines = code.split('\n');
  const findings: Finding[] = [];
  const mapping = MAPPING_DIRS.some((d) => file.startsWith(d));
  let firstLiteral = 0;
  lines.forEach((text, i) => {
    if (!REVENUE_LITERAL.test(text)) return;
    firstLiteral ||= i + 1;
    if (!mapping) findings.push({ file, line: i + 1, rule: 'literal', text: text.trim() });
    if (SELECTIONS.some((re) => re.test(text))) findings.push({ file, line: i + 1, rule: 'selection', text: text.trim() });
  });
  // Multi-line SQL such as "status IN (\n 'COLLECTED'" is checked on the whole text too.
  const joined = code.replace(/\s+/g, ' ');
  if (firstLiteral && !findings.some((f) => f.rule === 'selection') && SELECTIONS.some((re) => re.test(joined))) {
    findings.push({ file, line: firstLiteral, rule: 'selection', text: '(spans lines)' });
  }
  if (firstLiteral && AGGREGATE.test(code)) findings.push({ file, line: firstLiteral, rule: 'aggregation', text: 'names a revenue status and aggregates' });
  return findings;
}

/** Scan every source and SQL file under `dir` (repository root `root`). */
export function scanForRevenueLogic(root: string, dir = 'src'): Finding[] {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((name) => {
      const p = path.join(d, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  return walk(path.join(root, dir))
    .filter((p) => /\.(ts|mts|js|mjs|sql)$/.test(p))
    .flatMap((p) => findRevenueLogic(path.relative(root, p).split(path.sep).join('/'), readFileSync(p, 'utf8')));
}
