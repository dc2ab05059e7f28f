/**
 * What the `buffalo connections` commands need: the database, the secret box from the config's
 * key ring and — for commands that check credentials — a checker whose provider URLs are the
 * configured ones, or a running sandbox's (one is started for the command when none runs).
 */
import type { Booted } from './boot.ts';
import { openCommandContext } from './openCommandContext.ts';
import { createCredentialChecker, secretBoxFromConfig, type ConnectionDeps } from '../connections/index.ts';

/** Deps of a connections command plus its cleanup. */
export interface ConnectionsContext {
  deps: ConnectionDeps;
  close(): Promise<void>;
}

/** Open the database; `upstreams: true` also points the credential check at the upstreams (add). */
export async function openConnectionsContext(booted: Booted, opts: { upstreams: boolean }): Promise<ConnectionsContext> {
  const ctx = await openCommandContext(booted, opts);
  const deps = { pool: ctx.pool, box: secretBoxFromConfig(ctx.config.secrets), check: createCredentialChecker(ctx.config, { logger: booted.logger }) };
  return { deps, close: ctx.close };
}
