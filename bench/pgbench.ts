/**
 * pgbench as a baseline: a script built from the exact statements a code path sends (its SQL
 * strings and parameters), so the figure is what PostgreSQL itself allows for that transaction on
 * this machine, with no client library in the way. Parameters become pgbench variables (`-D`
 * strings, sent as parameters of unknown type just as node-postgres sends them); values that must
 * differ per transaction (ids, dedupe keys) come from `\set` random numbers rendered as text and
 * cast to the type PostgreSQL infers for that parameter (asked with PREPARE).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from '../src/db/index.ts';

/** One statement as the code sends it. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** A pgbench script and the `-D` variables it reads. */
export interface PgbenchScript {
  script: string;
  defines: Record<string, string>;
}

/** What a pgbench run measured. */
export interface PgbenchRun {
  tps: number;
  transactions: number;
  latencyAvgMs: number;
  failed: number;
}

/** Why pgbench could not run (not installed), or null when it is there. */
export function pgbenchUnavailable(): string | null {
  const r = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'pgbench is not installed (Debian/Ubuntu: `apt-get install postgresql-client`; macOS: `brew install libpq`)';
  return null;
}

/** `pgbench --version`'s line, for the results. */
export function pgbenchVersion(): string {
  return spawnSync('pgbench', ['--version'], { encoding: 'utf8' }).stdout.trim();
}

// Text literal node-postgres would send for a value.
function wireText(v: unknown): string {
  if (Array.isArray(v)) return `{${v.map((x) => JSON.stringify(String(x))).join(',')}}`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * A pipelined transaction (BEGIN, the statements, COMMIT in one flight: the fewest round trips
 * any client could use) replaying `statements`. Every parameter whose value is in `unique` gets
 * a fresh value per transaction (one random 62-bit number, hex, zero-padded to 32 characters, so
 * a uuid parameter gets a uuid).
 */
export async function pgbenchScript(pool: Pool, statements: readonly Statement[], unique: readonly string[]): Promise<PgbenchScript> {
  const defines: Record<string, string> = {};
  const bodies: string[] = [];
  const client = await pool.connect();
  try {
    for (const [i, s] of statements.entries()) {
      await client.query(`PREPARE bench_probe AS ${s.text}`);
      const { rows } = await client.query<{ types: string[] }>("SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = 'bench_probe'");
      await client.query('DEALLOCATE bench_probe');
      const types = rows[0]?.types ?? [];
      // Highest numbers first, so $1 never eats the front of $10.
      let text = s.text;
      for (let k = s.values.length; k >= 1; k--) {
        const v = s.values[k - 1];
        let expr: string;
        if (v === null || v === undefined) expr = 'NULL';
        else if (typeof v === 'string' && unique.includes(v)) expr = `(lpad(to_hex(:r${unique.indexOf(v)}::bigint), 32, '0'))::${types[k - 1] ?? 'text'}`;
        else {
          const name = `s${i}p${k}`;
          defines[name] = wireText(v);
          expr = `:${name}`;
        }
        text = text.replaceAll(new RegExp(`\\$${k}(?!\\d)`, 'g'), expr);
      }
      if (text.includes(';')) throw new Error(`pgbench script: statement ${i} contains a semicolon`);
      bodies.push(`${text.trim()};`);
    }
  } finally {
    client.release();
  }
  const sets = unique.map((_, j) => `\\set r${j} random(1, 4611686018427387903)`);
  const script = [...sets, '\\startpipeline', 'BEGIN;', ...bodies, 'COMMIT;', '\\endpipeline', ''].join('\n');
  return { script, defines };
}

/** Run `script` with `clients` connections (prepared protocol) for `seconds` against `url`. */
export async function runPgbench(url: string, script: PgbenchScript, opts: { clients: number; seconds: number; threads?: number }): Promise<PgbenchRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'buffalo-pgbench-'));
  try {
    const file = path.join(dir, 'transaction.sql');
    writeFileSync(file, script.script);
    const args = ['-n', '-M', 'prepared', '-f', file, '-c', String(opts.clients), '-j', String(opts.threads ?? 2), '-T', String(opts.seconds), ...Object.entries(script.defines).flatMap(([k, v]) => ['-D', `${k}=${v}`]), url];
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('error', reject);
      child.once('exit', (c) => resolve({ code: c, out }));
    });
    const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
    const run = {
      tps: num(/tps = ([\d.]+)/),
      transactions: num(/number of transactions actually processed: (\d+)/),
      latencyAvgMs: num(/latency average = ([\d.]+) ms/),
      failed: num(/number of failed transactions: (\d+)/) || 0,
    };
    if (code !== 0 || !Number.isFinite(run.tps)) throw new Error(`pgbench failed (exit ${code}):\n${out.slice(-3000)}`);
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
