/**
 * What every one-shot command starts from: the database, and the configuration with upstream
 * URLs pointed at the simulators of the `buffalo start` running on that database (the instance
 * registry), else a running sandbox, else one started for this command (only when the command
 * talks to upstreams). Closing stops that sandbox and the database.
 */
import type { Config } from '../config.ts';
import type { Pool } from '../db/index.ts';
import type { Booted } from './boot.ts';
import { instanceUsing } from './instanceRegistry.ts';
import { openDatabase } from './openDatabase.ts';
import { wireSandbox, type WiredUpstreams } from './wireSandbox.ts';

/** An open command context. */
export interface CommandContext {
  pool: Pool;
  /** The booted config, with the sandbox's upstream URLs and credentials under the operator's when wired. */
  config: Config;
  /** Upstreams left unwired because the instance on this database does not simulate them, each with why. */
  withheld: WiredUpstreams['withheld'];
  close(): Promise<void>;
}

/** Open the database; `upstreams: true` also wires the upstreams (sandbox or configured). */
export async function openCommandContext(booted: Booted, opts: { upstreams: boolean }): Promise<CommandContext> {
  const db = await openDatabase(booted.config, booted.logger, { migrate: !booted.readOnly });
  try {
    const instance = opts.upstreams ? instanceUsing(process.env, db.url) : undefined;
    const wired = opts.upstreams
      ? await wireSandbox(booted.config, { own: false, env: process.env, logger: booted.logger, ...(instance ? { instance } : {}) })
      : { config: booted.config, sandbox: undefined, withheld: {} };
    return {
      pool: db.pool,
      config: wired.config,
      withheld: wired.withheld,
      async close() {
        await wired.sandbox?.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
