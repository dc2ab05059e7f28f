/**
 * `buffalo connections list|add|pause|resume|remove|rotate-key`. Output shows what a connection
 * is and where its credentials come from (the environment, or sealed under key <kid>), never the
 * credentials. A refusal (bad input, refused credentials, unknown id) prints one `error:` line
 * and exits 1; anything else is a bug and propagates.
 */
import { readFileSync } from 'node:fs';
import type { Pool } from '../db/index.ts';
import { isAppError } from '../errors.ts';
import { createConnection, deleteConnection, listConnections, rotateKey, SecretBoxError, updateConnection, type Connection, type ConnectionDeps, type ConnectionFilter, type Provider, type SecretBox } from '../connections/index.ts';

/** Where a command writes. */
export interface ConnectionsIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const STD_IO: ConnectionsIo = { out: process.stdout, err: process.stderr };

/** `connections list`: a table of connections; returns the exit code. */
export async function connectionsListCommand(deps: { pool: Pool }, filter: ConnectionFilter, io: ConnectionsIo = STD_IO): Promise<number> {
  const connections = await listConnections(deps.pool, filter);
  if (connections.length === 0) {
    io.out.write('no connections\n');
    return 0;
  }
  const header = ['id', 'provider', 'name', 'status', 'schedule', 'credentials'];
  const rows = connections.map((c) => [c.id, c.provider, c.name, c.status + (c.statusReason ? ` (${c.statusReason})` : ''), c.syncIntervalMs === null ? 'default' : `${c.syncIntervalMs} ms`, credentialsSource(c)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  io.out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return 0;
}

/** What `connections add` takes: the credentials as JSON text or a file holding it. */
export interface AddArgs {
  provider: Provider;
  name: string;
  credentials?: string;
  credentialsFile?: string;
  settings?: string;
  intervalMs?: number;
}

/** `connections add`: check the credentials with the provider and store them sealed; returns the exit code. */
export async function connectionsAddCommand(deps: ConnectionDeps, args: AddArgs, io: ConnectionsIo = STD_IO): Promise<number> {
  return refusalsToExitCode(io, async () => {
    if (Boolean(args.credentials) === Boolean(args.credentialsFile)) throw new UsageError('give the credentials with exactly one of --credentials or --credentials-file');
    const credentialsText = args.credentials ?? readFileSync(args.credentialsFile!, 'utf8');
    const created = await createConnection(deps, {
      provider: args.provider,
      name: args.name,
      credentials: parseJson(credentialsText, args.credentials ? '--credentials' : '--credentials-file'),
      ...(args.settings ? { settings: parseJson(args.settings, '--settings') } : {}),
      syncIntervalMs: args.intervalMs ?? null,
    });
    io.out.write(`created ${created.id} (${created.provider} ${JSON.stringify(created.name)}): credentials checked with ${created.provider} and sealed under key ${created.credentialsKeyId}\n`);
  });
}

/** `connections pause|resume`: set the status; returns the exit code. */
export async function connectionsSetStatusCommand(deps: ConnectionDeps, id: string, status: 'active' | 'paused', io: ConnectionsIo = STD_IO): Promise<number> {
  return refusalsToExitCode(io, async () => {
    const updated = await updateConnection(deps, id, { status });
    io.out.write(`${updated.id} is ${updated.status}\n`);
  });
}

/** `connections remove`: delete a connection; returns the exit code. */
export async function connectionsRemoveCommand(deps: { pool: Pool }, id: string, io: ConnectionsIo = STD_IO): Promise<number> {
  return refusalsToExitCode(io, async () => {
    const removed = await deleteConnection(deps.pool, id);
    io.out.write(`removed ${removed.id} (${removed.provider} ${JSON.stringify(removed.name)})\n`);
  });
}

/** `connections rotate-key`: re-seal credentials under BUFFALO_SECRET_KEY; returns the exit code. */
export async function connectionsRotateKeyCommand(deps: { pool: Pool; box: SecretBox | undefined; alsoReseal?: readonly ResealOther[] }, io: ConnectionsIo = STD_IO): Promise<number> {
  return refusalsToExitCode(io, async () => {
    const { keyId, resealed } = await rotateKey(deps);
    io.out.write(`re-sealed ${resealed} connection(s) under key ${keyId}; every stored credential is now under it\n`);
    for (const other of deps.alsoReseal ?? []) {
      const n = await other.reseal({ pool: deps.pool, box: deps.box! });
      io.out.write(`re-sealed ${n} ${other.what} under key ${keyId}\n`);
    }
  });
}

/**
 * Secrets another module seals with the same box (webhook signing secrets), re-sealed by the
 * same command; composed by the CLI, since connections imports no module that imports it.
 */
export interface ResealOther {
  /** What the count is of, e.g. "webhook signing secret(s)". */
  what: string;
  reseal(deps: { pool: Pool; box: SecretBox }): Promise<number>;
}

function credentialsSource(c: Connection): string {
  return c.credentialsKeyId === null ? 'environment' : `sealed (key ${c.credentialsKeyId})`;
}

class UsageError extends Error {}

function parseJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The text may be a secret: say where it came from, not what it was.
    throw new UsageError(`${option} is not valid JSON`);
  }
}

async function refusalsToExitCode(io: ConnectionsIo, run: () => Promise<void>): Promise<number> {
  try {
    await run();
    return 0;
  } catch (err) {
    if (!(isAppError(err) || err instanceof UsageError || err instanceof SecretBoxError || (err as { code?: unknown }).code === 'ENOENT')) throw err;
    io.err.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}
