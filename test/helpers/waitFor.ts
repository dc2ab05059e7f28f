/**
 * Waiting on state, the one way tests wait (never sleeps): poll a probe until it returns a value,
 * fail naming what was awaited.
 */
import type { ChildProcess } from 'node:child_process';

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  everyMs?: number;
  /** Checked before every poll: a text fails the wait at once with it (e.g. the process under test exited). */
  failIf?: () => string | null | undefined;
  /** Appended to the timeout error (e.g. the output of the process under test). */
  context?: () => string;
}

/** Poll `probe` until it returns something other than false, null or undefined, and return that. */
export async function waitFor<T>(what: string, probe: () => Promise<T> | T, opts: WaitOptions = {}): Promise<Exclude<T, false | null | undefined>> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = opts.failIf?.();
    if (failure) throw new Error(failure);
    const v = await probe();
    if (v !== false && v !== null && v !== undefined) return v as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${opts.context ? `:\n${opts.context()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
}

/** Options that fail a wait as soon as `child` exits, showing the end of its output. */
export function whileRunning(child: ChildProcess, output: () => string, what = 'the wait ended'): Pick<WaitOptions, 'failIf' | 'context'> {
  const tail = () => output().slice(-4000);
  return {
    failIf: () => (child.exitCode !== null || child.signalCode !== null ? `the process exited before ${what}:\n${tail()}` : null),
    context: tail,
  };
}
