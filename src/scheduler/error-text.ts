import { PyramidError } from '../contracts/errors/pyramid-error.ts';

/** A failed run's `error`: a PyramidError's code and message, or any error's message. */
export function errorText(error: unknown): string {
  if (error instanceof PyramidError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
