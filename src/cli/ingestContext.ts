/**
 * What the ingest CLI commands (sync, process, dlq) need: the database, the connectors — pointed
 * at a running sandbox, or at one started for this command when none runs — and a way to close.
 */
import type { Booted } from './boot.ts';
import { openDatabase } from './openDatabase.ts';
import { wireSandbox } from './wireSandbox.ts';
import { createConnectionConnectors, createDefaultConnectors, secretBoxFromConfig } from '../connections/index.ts';
import type { IngestDeps } from '../ingest/index.ts';

/** Deps of an ingest command plus its cleanup. */
export interface IngestContext {
  deps: IngestDeps;
  close(): Promise<void>;
}

/** Open the database and wire the connectors. `upstreams: false` skips the sandbox (dlq, process). */
export async function openIngestContext(booted: Booted, opts: { upstreams: boolean }): Promise<IngestContext> {
  const db = await openDatabase(booted.config, booted.logger);
  try {
    const wired = opts.upstreams ? await wireSandbox(booted.config, { own: false, env: process.env, logger: booted.logger }) : { config: booted.config, sandbox: undefined };
    const shared = { pool: db.pool, box: secretBoxFromConfig(wired.config.secrets), logger: booted.logger };
    const connectors = createDefaultConnectors(wired.config, shared);
    const connections = createConnectionConnectors({ ...shared, config: wired.config });
    return {
      deps: { pool: db.pool, config: wired.config, logger: booted.logger, connectors, connections },
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
