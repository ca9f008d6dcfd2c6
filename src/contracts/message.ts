/** One tool call the model asked for; `arguments` is the JSON text the model produced. */
export type ToolCall = { id: string; name: string; arguments: string };

/** A conversation message, independent of any wire protocol. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
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
