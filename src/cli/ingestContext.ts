/**
 * What the ingest CLI commands (sync, process, dlq) need: the database, the connectors of the
 * default and stored connections — pointed at a running sandbox, or at one started for this
 * command when none runs — and a way to close.
 */
import { announceChanges } from '../changes/index.ts';
import type { Booted } from './boot.ts';
import { openCommandContext, type CommandContext } from './openCommandContext.ts';
import { createConnectionConnectors, createDefaultConnectors, secretBoxFromConfig } from '../connections/index.ts';
import type { IngestDeps } from '../ingest/index.ts';

/** Deps of an ingest command plus its cleanup. */
export interface IngestContext {
  deps: IngestDeps;
  /** Why an upstream is not wired although this command would simulate it (a running instance on the database does not). */
  withheld: CommandContext['withheld'];
  close(): Promise<void>;
}

/** Open the database and wire the connectors. `upstreams: false` skips the sandbox (dlq, process). */
export async function openIngestContext(booted: Booted, opts: { upstreams: boolean }): Promise<IngestContext> {
  const ctx = await openCommandContext(booted, opts);
  const shared = { pool: ctx.pool, box: secretBoxFromConfig(ctx.config.secrets), logger: booted.logger };
  const connectors = createDefaultConnectors(ctx.config, shared);
  const connections = createConnectionConnectors({ ...shared, config: ctx.config });
  return { deps: { pool: ctx.pool, config: ctx.config, logger: booted.logger, connectors, connections, announceChanges }, withheld: ctx.withheld, close: ctx.close };
}
