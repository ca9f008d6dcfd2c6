import { PyramidError } from '../contracts/errors/pyramid-error.ts';

/** `--limit <n>` read as a positive whole number; anything else is bad usage (exit 64) naming the flag. */
export function parseLimitOption(text: string): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new PyramidError('usage', `--limit takes a whole number of 1 or more, not "${text}"`);
  }
  return value;
}
