import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { ChatMessage, ImageInput } from '../contracts/message.ts';
import { imageMediaType } from './image-media-type.ts';

/** Converts spec messages to the AI SDK's prompt, which every AI SDK provider package accepts. */
export function toLanguageModelPrompt(messages: ChatMessage[]): LanguageModelV3Prompt {
  return messages.map((message): LanguageModelV3Prompt[number] => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return {
          role: 'user',
          content:
            typeof message.content === 'string'
              ? [{ type: 'text', text: message.content }]
              : message.content.map((part) =>
                  part.type === 'text' ? { type: 'text', text: part.text } : toFilePart(part.image),
                ),
        };
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

/**
 * An image as the AI SDK's file part: base64 text, or a URL object (the Anthropic provider sends a
 * `url` source, the Google one `fileData`), with its media type (guessed from a URL's extension).
 */
function toFilePart(image: ImageInput) {
  return image.kind === 'base64'
    ? { type: 'file' as const, mediaType: image.mediaType, data: image.data }
    : { type: 'file' as const, mediaType: imageMediaType(image.url), data: new URL(image.url) };
}

/** Tool arguments are JSON text in the spec and an object in the AI SDK; bad JSON is passed on as text. */
export function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}
