/**
 * `buffalo doctor`: the first thing to run when something is wrong. Checks the configuration
 * (every bad variable named), the database (reachable, version, migrations, privileges), each
 * upstream (configured, reachable, credentials accepted), the clocks (database, an upstream's
 * Date header) and free disk for the embedded data directory. One line per check with what to
 * fix, or `--json`; exit 1 on any fail. Like every read-only command it creates nothing: no
 * data directory, no dev keys, no cluster, no migration (./locateInstance.ts).
 */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, resolveConfig, type Config } from '../config.ts';
import { silentLogger } from '../log.ts';
import { result, type CheckResult } from './doctorCheck.ts';
import { checkDatabase, checkDisk } from './doctorDatabase.ts';
import { checkUpstreams } from './doctorUpstreams.ts';
import { locateInstance } from './locateInstance.ts';

/** Everything doctor found. */
export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

/** Run every check against `env` (a `.env` in the working directory is read as by every command). */
export async function runDoctor(env: Record<string, string | undefined>): Promise<DoctorReport> {
  let config: Config;
  try {
    config = resolveConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const checks = err.problems.map((p) => result('config', 'fail', p, `fix ${p.split(':')[0]} (see .env.example)`));
    checks.push(result('other checks', 'warn', 'skipped: they need a valid configuration'));
    return { ok: false, checks };
  }
  const located = locateInstance(config, env);
  const disk = checkDisk(config, located);
  const [database, upstreams] = await Promise.all([checkDatabase(located), checkUpstreams(config, silentLogger)]);
  const checks = [result('config', 'ok', `valid (NODE_ENV=${config.nodeEnv})`), ...database, ...(disk ? [disk] : []), ...upstreams];
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

/** One line per check, its fix under it. */
export function formatDoctor(report: DoctorReport, opts: { color: boolean }): string {
  const paint = (status: CheckResult['status'], text: string) => {
    if (!opts.color) return text;
    const code = status === 'ok' ? 32 : status === 'warn' ? 33 : 31;
    return `\u001b[${code}m${text}\u001b[0m`;
  };
  const width = Math.max(...report.checks.map((c) => c.check.length));
  const lines = report.checks.flatMap((c) => [
    `${paint(c.status, c.status.padEnd(4))}  ${c.check.padEnd(width)}  ${c.detail}`,
    ...(c.fix && c.status !== 'ok' ? [`${' '.repeat(6 + width)}  → ${c.fix.replace(/\n/g, `\n${' '.repeat(10 + width)}`)}`] : []),
  ]);
  const fails = report.checks.filter((c) => c.status === 'fail').length;
  const warns = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('', fails ? `${fails} failed, ${warns} warning(s)` : warns ? `all good, ${warns} warning(s)` : 'all good');
  return `${lines.join('\n')}\n`;
}

/** `buffalo doctor [--json]`: print the report; returns the exit code (1 on any fail). */
export async function doctorCommand(opts: { json: boolean }, io: { out: NodeJS.WritableStream; color: boolean; env: Record<string, string | undefined> } = defaultIo()): Promise<number> {
  const report = await runDoctor(io.env);
  io.out.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report, { color: io.color }));
  return report.ok ? 0 : 1;
}

function defaultIo(): { out: NodeJS.WritableStream; color: boolean; env: Record<string, string | undefined> } {
  loadDotenv({ quiet: true });
  return { out: process.stdout, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, env: process.env };
}
