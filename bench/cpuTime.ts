/**
 * CPU time of processes from /proc (Linux): what a request costs in CPU is steadier than its
 * rate on a machine shared with other work, so scenarios report it next to their figures.
 * Returns null where /proc is not available.
 */
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: 100 on every mainstream Linux build.
const TICK_MS = 10;

/** CPU ms (user + system) used so far by process `pid`, or null. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** CPU ms per PostgreSQL backend connected to `database` (by process title), keyed by pid. */
export function backendCpuMs(database: string): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const p of pids) {
    try {
      const title = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (!title.startsWith('postgres: ') || !title.includes(` ${database} `)) continue;
      const ms = processCpuMs(Number(p));
      if (ms !== null) out.set(Number(p), ms);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU ms the backends of `database` used between two snapshots (new backends count from zero). */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/**
 * CPU ms the backends of `database` use while `run` runs, for clients whose connections end with
 * the run (pgbench): sampled every `everyMs`, each backend counted up to its last sample.
 */
export async function backendCpuDuring<T>(database: string, run: () => Promise<T>, everyMs = 100): Promise<{ result: T; cpuMs: number }> {
  const first = backendCpuMs(database);
  const last = new Map(first);
  const sample = () => {
    for (const [pid, ms] of backendCpuMs(database)) last.set(pid, ms);
  };
  const timer = setInterval(sample, everyMs);
  try {
    const result = await run();
    sample();
    return { result, cpuMs: backendCpuDelta(first, last) };
  } finally {
    clearInterval(timer);
  }
}
