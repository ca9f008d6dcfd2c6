import { z } from 'zod';
import type { CallParameters } from '../contracts/call-parameters.ts';
import type { ChatMessage, ResponseFormat, ToolDefinition, UserContentPart } from '../contracts/message.ts';
import type { ReasoningLevel } from '../contracts/model-call.ts';
import type { GatewayLimits } from '../contracts/pyramid-config.ts';
import { GatewayHttpError } from './gateway-http-error.ts';
import { parseImageUrl } from './parse-image-url.ts';
import { invalidParam, parseRequestBody } from './parse-request-body.ts';

/** The fields of an OpenAI chat completion request that Pyramid uses, in spec terms. */
export type ParsedChatCompletion = {
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  /** Undefined when the body sets none of them. */
  parameters?: CallParameters;
  reasoning?: ReasoningLevel;
  stream: boolean;
  includeUsage: boolean;
};

const textPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const content = z.union([z.string(), z.array(textPart)], {
  error: 'expected a string, or an array of content parts like [{ "type": "text", "text": "..." }]',
});
type Content = z.infer<typeof content>;
const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer']), content }),
  z.looseObject({ role: z.literal('user'), content }),
  z.looseObject({
    role: z.literal('assistant'),
    content: content.nullish(),
    tool_calls: z.array(toolCall).nullish(),
  }),
  z.looseObject({ role: z.literal('tool'), content, tool_call_id: z.string(), name: z.string().optional() }),
]);
const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().optional(),
      schema: z.record(z.string(), z.unknown()),
      strict: z.boolean().nullish(),
    }),
  }),
]);
const tokenCount = z.number().int().positive();
const toolChoice = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
  ],
  { error: 'expected auto, none, required or { "type": "function", "function": { "name": "..." } }' },
);
const penalty = z.number().min(-2).max(2);
const body = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1, { error: 'must contain at least one message' }),
  max_tokens: tokenCount.nullish(),
  max_completion_tokens: tokenCount.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  response_format: responseFormat.nullish(),
  tools: z.array(tool).nullish(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high']).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4, { error: 'at most 4 stop sequences' })]).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: penalty.nullish(),
  frequency_penalty: penalty.nullish(),
  user: z.string().nullish(),
});

/** The OpenAI-named parameters of a body, in spec terms; undefined when none is set (the common case). */
export function toCallParameters(request: {
  tool_choice?: z.infer<typeof toolChoice> | null;
  parallel_tool_calls?: boolean | null;
  stop?: string | string[] | null;
  top_p?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  user?: string | null;
}): CallParameters | undefined {
  const parameters: CallParameters = {};
  let any = false;
  const choice = request.tool_choice;
  if (choice != null) {
    parameters.toolChoice = typeof choice === 'string' ? choice : { name: choice.function.name };
    any = true;
  }
  if (request.parallel_tool_calls != null) {
    parameters.parallelToolCalls = request.parallel_tool_calls;
    any = true;
  }
  if (request.stop != null) {
    parameters.stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
    any = true;
  }
  if (request.top_p != null) {
    parameters.topP = request.top_p;
    any = true;
  }
  if (request.seed != null) {
    parameters.seed = request.seed;
    any = true;
  }
  if (request.presence_penalty != null) {
    parameters.presencePenalty = request.presence_penalty;
    any = true;
  }
  if (request.frequency_penalty != null) {
    parameters.frequencyPenalty = request.frequency_penalty;
    any = true;
  }
  if (request.user != null) {
    parameters.user = request.user;
    any = true;
  }
  return any ? parameters : undefined;
}

function invalid(param: string, message: string): GatewayHttpError {
  return invalidParam(param, message);
}

/** A user message's content: its text, or parts in order when it has `image_url` parts. */
function userContent(value: Content, param: string): string | UserContentPart[] {
  if (typeof value === 'string' || !value.some((part) => part.type === 'image_url'))
    return text(value, param);
  return value.map((part, index): UserContentPart => {
    if (part.type !== 'image_url') return { type: 'text', text: partText(part, param, index) };
    const image = part.image_url as { url?: unknown; detail?: unknown } | undefined;
    return {
      type: 'image',
      image: parseImageUrl(image?.url, `${param}[${index}].image_url.url`, image?.detail),
    };
  });
}

function text(value: Content | null | undefined, param: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return value.map((part, index) => partText(part, param, index)).join('');
}

function partText(part: z.infer<typeof textPart>, param: string, index: number): string {
  if (part.type !== 'text')
    throw invalid(
      `${param}[${index}]`,
      `Unsupported content part type '${part.type}' at '${param}[${index}]': text parts are supported, and image_url parts in user messages.`,
    );
  if (part.text === undefined)
    throw invalid(`${param}[${index}].text`, `Missing required parameter: '${param}[${index}].text'.`);
  return part.text;
}

/**
 * Validates an OpenAI chat completion body, with at most `limits.messages` messages and `limits.tools`
 * tools; throws GatewayHttpError (400) naming the field at fault.
 */
export function parseChatCompletionBody(
  input: unknown,
  limits: Pick<GatewayLimits, 'messages' | 'tools'>,
): ParsedChatCompletion {
  checkListLimits(input, limits);
  const request = parseRequestBody(body, input);
  const toolNames = new Map<string, string>();
  const messages = request.messages.map((entry, index): ChatMessage => {
    const param = `messages[${index}].content`;
    switch (entry.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: text(entry.content, param) };
      case 'user':
        return { role: 'user', content: userContent(entry.content, param) };
      case 'assistant': {
        const toolCalls = (entry.tool_calls ?? []).map((call) => {
          toolNames.set(call.id, call.function.name);
          return { id: call.id, name: call.function.name, arguments: call.function.arguments };
        });
        return {
          role: 'assistant',
          content: text(entry.content, param),
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
        };
      }
      default:
        return {
          role: 'tool',
          toolCallId: entry.tool_call_id,
          toolName: toolNames.get(entry.tool_call_id) ?? entry.name ?? 'tool',
          content: text(entry.content, param),
        };
    }
  });
  const format = request.response_format;
  const responseFormat: ResponseFormat | undefined =
    format?.type === 'json_object'
      ? { type: 'json' }
      : format?.type === 'json_schema'
        ? {
            type: 'json-schema',
            schema: format.json_schema.schema,
            ...(format.json_schema.name ? { name: format.json_schema.name } : {}),
            ...(format.json_schema.strict != null ? { strict: format.json_schema.strict } : {}),
          }
        : undefined;
  const effort = request.reasoning_effort;
  return {
    model: request.model,
    messages,
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    temperature: request.temperature ?? undefined,
    responseFormat,
    tools: request.tools?.length
      ? request.tools.map((entry) => ({
          name: entry.function.name,
          ...(entry.function.description ? { description: entry.function.description } : {}),
          parameters: entry.function.parameters ?? { type: 'object', properties: {} },
        }))
      : undefined,
    parameters: toCallParameters(request),
    reasoning: effort ? (effort === 'none' || effort === 'minimal' ? 'off' : effort) : undefined,
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
  };
}

/** At most `limits.messages` messages and `limits.tools` tools, checked before the schema walks them. */
export function checkListLimits(input: unknown, limits: Pick<GatewayLimits, 'messages' | 'tools'>): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
  for (const [field, max] of [
    ['messages', limits.messages],
    ['tools', limits.tools],
  ] as const) {
    const list = (input as Record<string, unknown>)[field];
    if (Array.isArray(list) && list.length > max)
      throw new GatewayHttpError(
        400,
        'invalid_request_error',
        'limit_exceeded',
        `The request has ${list.length} ${field}; the limit is ${max} (gateway.limits.${field}).`,
        { param: field },
      );
  }
}
