import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Paths that must never reach a log line: secrets, tokens and credentials. */
export const redactedPaths = [
  'password',
  'newPassword',
  'currentPassword',
  'accessToken',
  'refreshToken',
  'token',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-access-token"]',
  'res.headers["set-cookie"]',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable lines (pino-pretty) instead of JSON. */
  pretty?: boolean;
  /** Where lines go; standard output by default. Tests pass a stream to inspect lines. */
  destination?: pino.DestinationStream;
  /** The file descriptor of the default destination: 1 (stdout, the server) or 2 (stderr, the CLI). */
  fd?: 1 | 2;
}

/**
 * The readable development log: one line per event, a request as "GET /api/test/user 200 (3 ms)",
 * without the fields every line repeats.
 */
const PRETTY = {
  colorize: true,
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss',
  ignore: 'pid,hostname,service,req,res,route,responseTime,applied',
  messageFormat: '{msg}{if responseTime} ({responseTime} ms){end}',
};

export function createLogger({ level, destination, pretty = false, fd = 1 }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'tokengate', pid: process.pid },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { ...PRETTY, destination: fd } } });
  // Asynchronous writes: lines written while a write is pending go out together. Pino writes
  // out what is left when the process exits.
  return pino(options, pino.destination({ dest: fd, sync: false }));
}
