/**
 * Free TCP ports for the servers a bench or a test starts (never fixed ports: benches may run
 * beside tests). Ports are drawn below Linux's ephemeral range (32768–60999 by default): a port
 * the kernel hands out for listen(0) is also what it hands the next outgoing connection as its
 * source port, so a busy machine could take it between our check and the child's listen
 * (seen as EADDRINUSE under a parallel test run).
 */
import { createServer } from 'node:net';

const LOW = 10_000;
const HIGH = 32_000;

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return freePortRange(1);
}

/** The first of `count` consecutive free ports (for SANDBOX_PORT, whose simulators take basePort + i). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - count));
    if (await allFree(base, count)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${LOW} and ${HIGH}`);
}

async function allFree(base: number, count: number): Promise<boolean> {
  for (let p = base; p < base + count; p++) {
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!ok) return false;
  }
  return true;
}
