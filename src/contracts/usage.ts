/**
 * Token usage, normalised across protocols.
 * - `input`: every prompt token, cached ones included.
 * - `cachedInput`: the part of `input` read from the provider's prompt cache (billed at `cacheRead`).
 * - `output`: visible answer tokens, reasoning excluded.
 * - `reasoning`: thinking tokens (billed as output). OpenAI's `completion_tokens` includes them, so an
 *   adapter subtracts `reasoning_tokens` to get `output`.
 */
export type Usage = { input: number; output: number; reasoning: number; cachedInput: number };

export const zeroUsage = (): Usage => ({ input: 0, output: 0, reasoning: 0, cachedInput: 0 });

/** Sum of several usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    reasoning: a.reasoning + b.reasoning,
    cachedInput: a.cachedInput + b.cachedInput,
  };
}
