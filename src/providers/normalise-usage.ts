import { type Usage, zeroUsage } from '../contracts/usage.ts';

/** Token counts as a protocol reports them, before normalisation. Missing counts are undefined. */
export type ReportedUsage = {
  /** Every prompt token, cached ones included. */
  input?: number;
  cachedInput?: number;
  /** All generated tokens the provider counted (for most protocols reasoning included). */
  outputTotal?: number;
  /** Visible answer tokens, when the provider separates them. */
  outputText?: number;
  reasoning?: number;
};

/** Rough tokens for a text: about four characters per token, which is close enough for accounting. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * Normalises reported usage to the spec's Usage. When the provider reported no reasoning tokens but
 * reasoning text came back (inline `<think>`, Ollama `thinking`, Anthropic thinking blocks), the
 * reasoning tokens are estimated from the text (ceil(chars / 4), capped at the output total) and,
 * when `outputIncludesReasoning` (OpenAI, Anthropic, Ollama count thinking in their output total;
 * Google does not), taken out of `output` so that thinking is never billed twice.
 */
export function normaliseUsage(
  reported: ReportedUsage,
  options: { reasoningText: string; outputIncludesReasoning: boolean },
): Usage {
  // No usage at all (a server that omits it) stays zeros rather than a guess.
  if (Object.values(reported).every((value) => value === undefined)) return zeroUsage();
  const input = reported.input ?? 0;
  const cachedInput = Math.min(reported.cachedInput ?? 0, input);
  const outputTotal = reported.outputTotal ?? 0;
  if (reported.reasoning && reported.reasoning > 0) {
    const output = reported.outputText ?? Math.max(0, outputTotal - reported.reasoning);
    return { input, cachedInput, output, reasoning: reported.reasoning };
  }
  if (!options.reasoningText) return { input, cachedInput, output: outputTotal, reasoning: 0 };
  const estimate = estimateTokens(options.reasoningText);
  if (!options.outputIncludesReasoning)
    return { input, cachedInput, output: outputTotal, reasoning: estimate };
  const reasoning = outputTotal > 0 ? Math.min(estimate, outputTotal) : estimate;
  return { input, cachedInput, output: Math.max(0, outputTotal - reasoning), reasoning };
}
