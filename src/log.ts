/**
 * Structured logging (pino) with secrets redacted wherever they appear in a log object: JSON
 * lines for machines (pipes, CI, production), or one readable, coloured line per event for a
 * person at a terminal (pino-pretty). Redaction happens in pino before either format.
 */
import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger } from 'pino';
import type { PinoPretty as PinoPrettyFn } from 'pino-pretty';

// Loaded only for the pretty format: machines (JSON) never pay for it at start-up.
const require = createRequire(import.meta.url);

/** The logger type passed to every module. */
export type Logger = PinoLogger;

/** How log lines are written. */
export type LogFormat = 'json' | 'pretty';

// Paths that may carry secrets in log objects: headers, config sections, error payloads.
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-admin-api-key"]',
  'req.headers["stripe-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-admin-api-key"]',
  '*.apiKey',
  '*.adminApiKey',
  '*.password',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.secret',
  '*.webhookSecret',
  '*.jwtSecret',
  '*.privateKey',
  '*.refreshToken',
  '*.credentials',
  'credentials',
  'apiKey',
  'password',
  'token',
  'secret',
];

/**
 * The format for a LOG_FORMAT setting: `auto` is readable lines when stdout is a terminal,
 * except in production, which stays JSON unless `pretty` is asked for explicitly.
 */
export function chooseLogFormat(setting: 'auto' | LogFormat, opts: { production: boolean; tty: boolean }): LogFormat {
  if (setting !== 'auto') return setting;
  return opts.tty && !opts.production ? 'pretty' : 'json';
}

/** Create the process logger; `destination` lets tests capture output (default stdout). */
export function createLogger(opts: { level: string; name?: string; format?: LogFormat; color?: boolean }, destination?: NodeJS.WritableStream): Logger {
  const pretty =
    opts.format === 'pretty'
      ? (require('pino-pretty') as { PinoPretty: typeof PinoPrettyFn }).PinoPretty({
          colorize: opts.color ?? false,
          // One line per event: who logged it, the message, then its fields (not a block under it).
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss.l',
          messageFormat: '{if component}{component}: {end}{if upstream}{upstream}: {end}{msg}',
          ignore: 'pid,hostname,name,component,upstream',
          // Only `err` is an error to print with its stack; a run's `error: null` is a plain field.
          errorLikeObjectKeys: ['err'],
          sync: true,
          ...(destination ? { destination } : {}),
        })
      : undefined;
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'buffalo',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.errWithCause },
    },
    (pretty ?? destination) as pino.DestinationStream | undefined,
  );
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = pino({ level: 'silent' });
