import { type FakeModels, imageMediaTypes, isBase64 } from './fake-protocol.ts';

/** Top-level fields of `POST /v1/messages`; Anthropic answers any other with "Extra inputs are not permitted". */
const knownFields = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'output_config',
  'inference_geo',
]);

const invalid = (message: string) => ({
  status: 400,
  body: { type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_fake' },
});

/** The 400s Anthropic answers for the request fields Pyramid sends; undefined when it would accept the body. */
export function anthropicRequestRejection(
  body: unknown,
  models: FakeModels,
): { status: number; body: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return invalid('invalid JSON body');
  const request = body as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (!knownFields.has(field)) return invalid(`${field}: Extra inputs are not permitted`);
  }
  const blocks = contentBlockRejection(request.messages, models.takesImages(String(request.model)));
  if (blocks) return blocks;
  if (typeof request.max_tokens !== 'number') return invalid('max_tokens: Field required');
  const hasTools = Array.isArray(request.tools) && request.tools.length > 0;
  if (request.tool_choice !== undefined && !hasTools)
    return invalid('tool_choice: tool_choice may only be specified while providing tools');
  const choice = request.tool_choice as Record<string, unknown> | undefined;
  if (choice && !['auto', 'any', 'tool', 'none'].includes(String(choice.type)))
    return invalid(
      `tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none' (got ${String(choice.type)})`,
    );
  const metadata = request.metadata as Record<string, unknown> | undefined;
  if (metadata) {
    for (const field of Object.keys(metadata))
      if (field !== 'user_id') return invalid(`metadata.${field}: Extra inputs are not permitted`);
  }
  const format = (request.output_config as Record<string, unknown> | undefined)?.format as
    | Record<string, unknown>
    | undefined;
  if (format !== undefined) {
    if (format.type !== 'json_schema')
      return invalid("output_config.format.type: Input should be 'json_schema'");
    if (typeof format.schema !== 'object' || format.schema === null)
      return invalid('output_config.format.schema: Field required');
  }
  return undefined;
}

const userBlocks = ['text', 'image', 'document', 'tool_result', 'search_result'];
const assistantBlocks = ['text', 'tool_use', 'thinking', 'redacted_thinking', 'server_tool_use'];

/**
 * Content blocks as Anthropic checks them: the block types each role may send, and an image's source
 * (`base64` with one of four media types and base64 data, or `url`).
 */
function contentBlockRejection(messages: unknown, takesImages: boolean) {
  if (!Array.isArray(messages)) return undefined;
  for (const [index, message] of messages.entries()) {
    const { role, content } = message as { role?: string; content?: unknown };
    if (!Array.isArray(content)) continue;
    for (const [position, block] of content.entries()) {
      const { type, source } = block as { type?: string; source?: Record<string, unknown> };
      const path = `messages.${index}.content.${position}`;
      const allowed = role === 'assistant' ? assistantBlocks : userBlocks;
      if (!allowed.includes(String(type)))
        return invalid(
          `${path}: Input tag '${String(type)}' found using 'type' does not match any of the expected tags: ${allowed.map((name) => `'${name}'`).join(', ')}`,
        );
      if (type !== 'image') continue;
      if (!takesImages) return invalid(`${path}: this model does not support image input`);
      if (source?.type === 'base64') {
        if (!imageMediaTypes.includes(String(source.media_type)))
          return invalid(
            `${path}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
          );
        if (typeof source.data !== 'string' || !isBase64(source.data))
          return invalid(`${path}.image.source.base64: The image data is not valid base64.`);
      } else if (source?.type === 'url') {
        if (typeof source.url !== 'string' || !/^https?:\/\//.test(source.url))
          return invalid(`${path}.image.source.url.url: Input should be a valid URL`);
      } else {
        return invalid(
          `${path}.image.source: Input tag '${String(source?.type)}' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'`,
        );
      }
    }
  }
  return undefined;
}
