import { z } from 'zod';
import type { CallParameters } from '../../contracts/call-parameters.ts';
import type {
  ChatMessage,
  ImageInput,
  ResponseFormat,
  ToolCall,
  ToolDefinition,
  UserContentPart,
} from '../../contracts/message.ts';
import type { ReasoningLevel } from '../../contracts/model-call.ts';
import { GatewayHttpError } from '../gateway-http-error.ts';
import { parseRequestBody } from '../parse-request-body.ts';

/** An Anthropic Messages request in spec terms. */
export type ParsedMessages = {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature?: number;
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  parameters?: CallParameters;
  reasoning?: ReasoningLevel;
  /** `thinking` enabled (or adaptive): the answer carries thinking blocks when the model reasons. */
  thinking: boolean;
  stream: boolean;
  /** Fields accepted but carried by no protocol (`top_k`), reported as dropped. */
  dropped: string[];
};

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)], {
  error: 'expected a string or an array of content blocks',
});
const body = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(z.looseObject({ role: z.enum(['user', 'assistant']), content }))
    .min(1, { error: 'must contain at least one message' }),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        description: z.string().optional(),
        input_schema: z.record(z.string(), z.unknown()).optional(),
        type: z.string().optional(),
      }),
    )
    .optional(),
  tool_choice: z
    .looseObject({
      type: z.enum(['auto', 'any', 'tool', 'none']),
      name: z.string().optional(),
      disable_parallel_tool_use: z.boolean().optional(),
    })
    .optional(),
  thinking: z
    .looseObject({
      type: z.enum(['enabled', 'disabled', 'adaptive']),
      budget_tokens: z.number().int().optional(),
    })
    .optional(),
  output_config: z
    .looseObject({
      format: z
        .looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })
        .optional(),
    })
    .optional(),
});

type Block = z.infer<typeof block>;

/** Validates an Anthropic Messages body; throws GatewayHttpError (400) naming the field at fault. */
export function parseMessagesBody(input: unknown): ParsedMessages {
  const request = parseRequestBody(body, input, 'dots');
  const messages: ChatMessage[] = [];
  const toolNames = new Map<string, string>();
  if (request.system !== undefined) {
    const system =
      typeof request.system === 'string'
        ? request.system
        : request.system.map((part) => part.text).join('\n');
    if (system) messages.push({ role: 'system', content: system });
  }
  request.messages.forEach((message, index) => {
    const param = `messages.${index}.content`;
    const blocks: Block[] =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (message.role === 'assistant') {
      let text = '';
      const toolCalls: ToolCall[] = [];
      blocks.forEach((entry, position) => {
        if (entry.type === 'text') text += String(entry.text ?? '');
        else if (entry.type === 'tool_use') {
          const id = String(entry.id ?? '');
          const name = String(entry.name ?? '');
          if (!id || !name) throw invalid(`${param}.${position}`, 'a tool_use block needs an id and a name');
          toolNames.set(id, name);
          toolCalls.push({ id, name, arguments: JSON.stringify(entry.input ?? {}) });
        } else if (entry.type !== 'thinking' && entry.type !== 'redacted_thinking') {
          throw unsupported(`${param}.${position}`, entry.type);
        }
      });
      messages.push({ role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) });
      return;
    }
    const parts: UserContentPart[] = [];
    blocks.forEach((entry, position) => {
      if (entry.type === 'text') {
        const last = parts.at(-1);
        if (last?.type === 'text') last.text += String(entry.text ?? '');
        else parts.push({ type: 'text', text: String(entry.text ?? '') });
      } else if (entry.type === 'image') {
        parts.push({ type: 'image', image: imageSource(entry.source, `${param}.${position}.source`) });
      } else if (entry.type === 'tool_result') {
        const id = String(entry.tool_use_id ?? '');
        if (!id) throw invalid(`${param}.${position}.tool_use_id`, 'Field required');
        messages.push({
          role: 'tool',
          toolCallId: id,
          toolName: toolNames.get(id) ?? 'tool',
          content: toolResultText(entry.content, `${param}.${position}.content`),
        });
      } else throw unsupported(`${param}.${position}`, entry.type);
    });
    if (parts.some((part) => part.type === 'image')) messages.push({ role: 'user', content: parts });
    else {
      const text = parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
      if (text) messages.push({ role: 'user', content: text });
    }
  });

  const tools = request.tools?.map((tool, index): ToolDefinition => {
    if (tool.type !== undefined && tool.type !== 'custom')
      throw invalid(
        `tools.${index}.type`,
        `server tool '${tool.type}' is not supported: Pyramid passes on client tools (name, description, input_schema) only`,
      );
    return {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.input_schema ?? { type: 'object', properties: {} },
    };
  });
  const parameters: CallParameters = {};
  const choice = request.tool_choice;
  if (choice) {
    if (choice.type === 'tool' && !choice.name) throw invalid('tool_choice.name', 'Field required');
    parameters.toolChoice =
      choice.type === 'any' ? 'required' : choice.type === 'tool' ? { name: choice.name! } : choice.type;
    if (choice.disable_parallel_tool_use) parameters.parallelToolCalls = false;
  }
  if (request.stop_sequences?.length) parameters.stop = request.stop_sequences;
  if (request.top_p !== undefined) parameters.topP = request.top_p;
  if (request.metadata?.user_id) parameters.user = request.metadata.user_id;
  const format = request.output_config?.format;
  return {
    model: request.model,
    messages,
    maxTokens: request.max_tokens,
    temperature: request.temperature,
    ...(format ? { responseFormat: { type: 'json-schema', schema: format.schema } } : {}),
    ...(tools?.length ? { tools } : {}),
    ...(Object.keys(parameters).length ? { parameters } : {}),
    reasoning: thinkingLevel(request.thinking),
    thinking: request.thinking !== undefined && request.thinking.type !== 'disabled',
    stream: request.stream === true,
    dropped: request.top_k !== undefined ? ['top_k'] : [],
  };
}

/** `thinking` as a reasoning level: a budget under 2k tokens is low, under 8k medium, more high. */
function thinkingLevel(
  thinking: { type: string; budget_tokens?: number } | undefined,
): ReasoningLevel | undefined {
  if (!thinking) return undefined;
  if (thinking.type === 'disabled') return 'off';
  const budget = thinking.budget_tokens;
  if (budget === undefined) return 'medium';
  return budget < 2048 ? 'low' : budget < 8192 ? 'medium' : 'high';
}

function toolResultText(value: unknown, param: string): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw invalid(param, 'expected a string or an array of text blocks');
  return value
    .map((entry, index) => {
      const part = entry as Block;
      if (part.type !== 'text') throw unsupported(`${param}.${index}`, part.type);
      return String(part.text ?? '');
    })
    .join('');
}

const mediaTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** An image block's source: `base64` (one of Anthropic's four media types) or `url`. */
function imageSource(source: unknown, param: string): ImageInput {
  const value = (source ?? {}) as Record<string, unknown>;
  if (value.type === 'base64') {
    if (!mediaTypes.has(String(value.media_type)))
      throw invalid(
        `${param}.media_type`,
        "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
      );
    if (typeof value.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value.data))
      throw invalid(`${param}.data`, 'expected base64 image data');
    return { kind: 'base64', mediaType: String(value.media_type), data: value.data };
  }
  if (value.type === 'url') {
    if (typeof value.url !== 'string' || !/^https?:\/\//i.test(value.url))
      throw invalid(`${param}.url`, 'expected an http(s) URL');
    return { kind: 'url', url: value.url };
  }
  throw invalid(
    `${param}.type`,
    `image source type '${String(value.type)}' is not supported (base64 and url are; Pyramid keeps no files)`,
  );
}

function invalid(param: string, message: string): GatewayHttpError {
  return new GatewayHttpError(400, 'invalid_request_error', 'invalid_request', `${param}: ${message}`, {
    param,
  });
}

function unsupported(param: string, type: string): GatewayHttpError {
  return invalid(
    param,
    `content block type '${type}' is not supported here (text, image, tool_use and tool_result are)`,
  );
}
