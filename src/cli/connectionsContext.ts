/**
 * What the `buffalo connections` commands need: the database, the secret box from the config's
 * key ring and — for commands that check credentials — a checker whose provider URLs are the
 * configured ones, or a running sandbox's (one is started for the command when none runs).
 */
import type { Booted } from './boot.ts';
import { openDatabase } from './openDatabase.ts';
import { wireSandbox } from './wireSandbox.ts';
import { createCredentialChecker, secretBoxFromConfig, type ConnectionDeps } from '../connections/index.ts';

/** Deps of a connections command plus its cleanup. */
export interface ConnectionsContext {
  deps: ConnectionDeps;
  close(): Promise<void>;
}

/** Open the database; `upstreams: true` also points the credential check at the upstreams (add). */
export async function openConnectionsContext(booted: Booted, opts: { upstreams: boolean }): Promise<ConnectionsContext> {
  const db = await openDatabase(booted.config, booted.logger);
  try {
    const wired = opts.upstreams ? await wireSandbox(booted.config, { own: false, env: process.env, logger: booted.logger }) : { config: booted.config, sandbox: undefined };
    return {
      deps: { pool: db.pool, box: secretBoxFromConfig(wired.config.secrets), check: createCredentialChecker(wired.config, { logger: booted.logger }) },
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
