import type { LanguageModelV3ToolChoice } from '@ai-sdk/provider';
import type { ToolChoice } from '../contracts/call-parameters.ts';

/** The AI SDK's tool choice for a spec one. */
export function toLanguageModelToolChoice(
  choice: ToolChoice | undefined,
): LanguageModelV3ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === 'object') return { type: 'tool', toolName: choice.name };
  return { type: choice };
}
