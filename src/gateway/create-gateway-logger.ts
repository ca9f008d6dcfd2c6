import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths pino replaces with [redacted] wherever a log line carries them. */
export const redactedPaths = [
  'token',
  '*.token',
  'tokens[*].token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
];

/**
 * The structured JSON logger of `pyramid start`, secrets redacted. Given process.stdout, it writes to
 * file descriptor 1 through pino's asynchronous destination instead: process.stdout on a pipe or file
 * is synchronous on Linux, one write(2) per request line in the request's path, while the asynchronous
 * one writes a line at once when idle and joins the lines that arrive during a write (pino flushes it
 * on exit). Any other stream (tests) is written to as given.
 */
export function createGatewayLogger(destination: DestinationStream, level = 'info'): Logger {
  return pino(
    { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'pyramid' } },
    destination === process.stdout ? pino.destination({ dest: 1, sync: false }) : destination,
  );
}
