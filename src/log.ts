/** Structured logging (pino) with secrets redacted wherever they appear in a log object. */
import { pino, type Logger as PinoLogger } from 'pino';

/** The logger type passed to every module. */
export type Logger = PinoLogger;

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

/** Create the process logger; `destination` lets tests capture output. */
export function createLogger(opts: { level: string; name?: string }, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'buffalo',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.errWithCause },
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = pino({ level: 'silent' });
