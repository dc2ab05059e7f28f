/** The one shape of a CLI command: open what it needs, run it, always close. */

/** Anything a command opens and must close (a database, an ingest or connections context). */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Await `open`, run `run` on it and close it whatever happens; a number `run` returns becomes
 * the process's exit code.
 */
export async function runWithContext<C extends Closable>(open: Promise<C>, run: (ctx: C) => Promise<number | void>): Promise<void> {
  const ctx = await open;
  try {
    const code = await run(ctx);
    if (typeof code === 'number') process.exitCode = code;
  } finally {
    await ctx.close();
  }
}
