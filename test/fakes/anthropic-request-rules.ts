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
export function anthropicRequestRejection(body: unknown): { status: number; body: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return invalid('invalid JSON body');
  const request = body as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (!knownFields.has(field)) return invalid(`${field}: Extra inputs are not permitted`);
  }
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
