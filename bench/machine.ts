/** The machine a run came from (stored with the figures: they mean little without it). */
import os from 'node:os';
import type { MachineInfo } from './types.ts';

/** CPU, cores, memory, OS, Node and PostgreSQL versions; the load average is filled in by the runner. */
export function machineInfo(postgres: string): Omit<MachineInfo, 'loadAverage'> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres,
  };
}

/** 1-minute load average, rounded. */
export function loadAverage(): number {
  return Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
}
