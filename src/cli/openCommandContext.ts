/**
 * What every one-shot command starts from: the database, and the configuration with upstream
 * URLs pointed at a running sandbox, or at one started for this command when none runs (only
 * when the command talks to upstreams). Closing stops that sandbox and the database.
 */
import type { Config } from '../config.ts';
import type { Pool } from '../db/index.ts';
import type { Booted } from './boot.ts';
import { openDatabase } from './openDatabase.ts';
import { wireSandbox } from './wireSandbox.ts';

/** An open command context. */
export interface CommandContext {
  pool: Pool;
  /** The booted config, with the sandbox's upstream URLs and credentials under the operator's when wired. */
  config: Config;
  close(): Promise<void>;
}

/** Open the database; `upstreams: true` also wires the upstreams (sandbox or configured). */
export async function openCommandContext(booted: Booted, opts: { upstreams: boolean }): Promise<CommandContext> {
  const db = await openDatabase(booted.config, booted.logger, { migrate: !booted.readOnly });
  try {
    const wired = opts.upstreams ? await wireSandbox(booted.config, { own: false, env: process.env, logger: booted.logger }) : { config: booted.config, sandbox: undefined };
    return {
      pool: db.pool,
      config: wired.config,
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
