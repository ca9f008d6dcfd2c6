/** One tool call the model asked for; `arguments` is the JSON text the model produced. */
export type ToolCall = { id: string; name: string; arguments: string };

/**
 * An image for a model: inline bytes (base64, without a `data:` prefix) or a URL the provider fetches
 * itself. `detail` is OpenAI's resolution hint, passed on where the protocol has one.
 */
export type ImageInput =
  | { kind: 'base64'; mediaType: string; data: string; detail?: ImageDetail }
  | { kind: 'url'; url: string; detail?: ImageDetail };

export type ImageDetail = 'auto' | 'low' | 'high';

/** One part of a user message that carries more than text, in order. */
export type UserContentPart = { type: 'text'; text: string } | { type: 'image'; image: ImageInput };

/**
 * A conversation message, independent of any wire protocol. A user message is a string, or parts
 * when it carries images (only models whose config declares `input: [text, image]` are sent those).
 */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | UserContentPart[] }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

/** A function the model may call; `parameters` is a JSON Schema object. */
export type ToolDefinition = { name: string; description?: string; parameters: Record<string, unknown> };

/**
 * Plain text, any JSON object, or JSON that must match a schema. `strict` asks a provider that can
 * enforce the schema while decoding (OpenAI's strict mode) to do so; Pyramid checks the answer either way.
 */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | { type: 'json-schema'; name?: string; schema: Record<string, unknown>; strict?: boolean };

/**
 * Tokens an image is assumed to cost where no tokenizer is at hand (spend reservations, estimates):
 * about what Anthropic charges for a 1092x1092 image, more than OpenAI's high detail tile count.
 */
export const imageTokenEstimate = 1600;

/** A message's text, images left out (for estimates and transcripts). */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  let text = '';
  for (const part of message.content) if (part.type === 'text') text += part.text;
  return text;
}

/** The images a conversation carries, in order. */
export function messageImages(messages: ChatMessage[]): ImageInput[] {
  const images: ImageInput[] = [];
  for (const message of messages)
    if (message.role === 'user' && typeof message.content !== 'string')
      for (const part of message.content) if (part.type === 'image') images.push(part.image);
  return images;
}
