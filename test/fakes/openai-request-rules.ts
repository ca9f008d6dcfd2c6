import { type FakeModels, imageMediaTypes } from './fake-protocol.ts';

/** Fields `POST /v1/chat/completions` accepts; OpenAI answers any other with "Unrecognized request argument". */
const knownFields = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stream',
  'stream_options',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'response_format',
  'seed',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'service_tier',
  'store',
  'metadata',
  'modalities',
  'verbosity',
]);

const invalid = (message: string, param: string | null, code: string | null = null) => ({
  status: 400,
  body: { error: { message, type: 'invalid_request_error', param, code } },
});

/** The 400s OpenAI answers for the request fields Pyramid sends; undefined when it would accept the body. */
export function openaiRequestRejection(
  body: unknown,
  models: FakeModels,
): { status: number; body: unknown } | undefined {
  if (typeof body !== 'object' || body === null) return invalid('We could not parse the JSON body.', null);
  const request = body as Record<string, unknown>;
  for (const field of Object.keys(request)) {
    if (!knownFields.has(field))
      return invalid(`Unrecognized request argument supplied: ${field}`, null, 'unknown_parameter');
  }
  const parts = contentPartRejection(request.messages, models.takesImages(String(request.model)));
  if (parts) return parts;
  const hasTools = Array.isArray(request.tools) && request.tools.length > 0;
  for (const field of ['tool_choice', 'parallel_tool_calls']) {
    if (request[field] !== undefined && !hasTools)
      return invalid(
        `Invalid value for '${field}': '${field}' is only allowed when 'tools' are specified.`,
        field,
      );
  }
  const range = (field: string, min: number, max: number) => {
    const value = request[field];
    return typeof value === 'number' && (value < min || value > max)
      ? invalid(`Invalid '${field}': decimal above maximum value or below minimum value.`, field)
      : undefined;
  };
  const out = range('top_p', 0, 1) ?? range('presence_penalty', -2, 2) ?? range('frequency_penalty', -2, 2);
  if (out) return out;
  if (Array.isArray(request.stop) && request.stop.length > 4)
    return invalid("Invalid 'stop': array too long. Expected an array with maximum length 4.", 'stop');
  const format = request.response_format as Record<string, unknown> | undefined;
  if (format?.type === 'json_schema') {
    const spec = format.json_schema as Record<string, unknown> | undefined;
    if (!spec || spec.name === undefined)
      return invalid(
        "Missing required parameter: 'response_format.json_schema.name'.",
        'response_format.json_schema.name',
        'missing_required_parameter',
      );
    if (typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name))
      return invalid(
        `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        'response_format.json_schema.name',
        'invalid_value',
      );
    const schema = spec.schema as Record<string, unknown> | undefined;
    if (spec.strict === true && schema?.additionalProperties !== false)
      return invalid(
        `Invalid schema for response_format '${spec.name}': In context=(), 'additionalProperties' is required to be supplied and to be false.`,
        'response_format',
        'invalid_json_schema',
      );
  } else if (format !== undefined && format.type !== 'json_object' && format.type !== 'text') {
    return invalid(
      `Invalid value: '${String(format.type)}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      'response_format.type',
      'invalid_value',
    );
  }
  return undefined;
}

/**
 * Content parts as OpenAI checks them: user messages take `text` and `image_url` parts (system and
 * assistant messages text only); an image URL is http(s) or a base64 data URL of an image type; a
 * model without vision refuses image parts.
 */
function contentPartRejection(messages: unknown, takesImages: boolean) {
  if (!Array.isArray(messages)) return undefined;
  for (const [index, message] of messages.entries()) {
    const { role, content } = message as { role?: string; content?: unknown };
    if (!Array.isArray(content)) continue;
    for (const [position, part] of content.entries()) {
      const { type, image_url: image } = part as {
        type?: string;
        image_url?: { url?: unknown; detail?: unknown };
      };
      const param = `messages[${index}].content[${position}]`;
      const allowed = role === 'user' ? ['text', 'image_url', 'input_audio', 'file'] : ['text', 'refusal'];
      if (!allowed.includes(String(type)))
        return invalid(
          `Invalid value: '${String(type)}'. Supported values are: ${allowed.map((name) => `'${name}'`).join(', ')}.`,
          `${param}.type`,
          'invalid_value',
        );
      if (type !== 'image_url') continue;
      if (!takesImages)
        return invalid(
          'Invalid content type. image_url is only supported by certain models.',
          `${param}.type`,
        );
      const url = image?.url;
      if (typeof url !== 'string')
        return invalid(
          `Missing required parameter: '${param}.image_url.url'.`,
          `${param}.image_url.url`,
          'missing_required_parameter',
        );
      if (image?.detail !== undefined && !['auto', 'low', 'high'].includes(String(image.detail)))
        return invalid(
          `Invalid value: '${String(image.detail)}'. Supported values are: 'auto', 'low', and 'high'.`,
          `${param}.image_url.detail`,
          'invalid_value',
        );
      if (/^https?:\/\//.test(url)) continue;
      const data = /^data:([^;,]+);base64,(.*)$/.exec(url);
      if (!data)
        return invalid(
          `Invalid '${param}.image_url.url'. Expected a valid URL, but got a value with an invalid format.`,
          `${param}.image_url.url`,
          'invalid_value',
        );
      if (!imageMediaTypes.includes(data[1]))
        return invalid(
          `Invalid '${param}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got unsupported MIME type '${data[1]}'.`,
          `${param}.image_url.url`,
          'invalid_value',
        );
    }
  }
  return undefined;
}
