import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { ChatMessage } from '../contracts/message.ts';

/** Converts spec messages to the AI SDK's prompt, which every AI SDK provider package accepts. */
export function toLanguageModelPrompt(messages: ChatMessage[]): LanguageModelV3Prompt {
  return messages.map((message): LanguageModelV3Prompt[number] => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: [{ type: 'text', text: message.content }] };
      case 'assistant':
        return {
          role: 'assistant',
          content: [
            ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
            ...(message.toolCalls ?? []).map((toolCall) => ({
              type: 'tool-call' as const,
              toolCallId: toolCall.id,
              toolName: toolCall.name,
              input: parseArguments(toolCall.arguments),
            })),
          ],
        };
      default:
        return {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.toolCallId,
              toolName: message.toolName,
              output: { type: 'text', value: message.content },
            },
          ],
        };
    }
  });
}

/** Tool arguments are JSON text in the spec and an object in the AI SDK; bad JSON is passed on as text. */
export function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}
