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

/** The structured JSON logger of `pyramid start`, secrets redacted. */
export function createGatewayLogger(destination: DestinationStream, level = 'info'): Logger {
  return pino(
    { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'pyramid' } },
    destination,
  );
}
