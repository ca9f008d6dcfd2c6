import { z } from 'zod';
import type { CallParameters } from '../../contracts/call-parameters.ts';
import type {
  ChatMessage,
  ResponseFormat,
  ToolCall,
  ToolDefinition,
  UserContentPart,
} from '../../contracts/message.ts';
import type { ReasoningLevel } from '../../contracts/model-call.ts';
import { parseImageUrl } from '../parse-image-url.ts';
import { invalidParam, parseRequestBody } from '../parse-request-body.ts';

/** A Responses API request in spec terms. `input` is this request's turn only (no instructions, no history). */
export type ParsedResponses = {
  model: string;
  instructions?: string;
  input: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  parameters?: CallParameters;
  reasoning?: ReasoningLevel;
  stream: boolean;
  store: boolean;
  previousResponseId?: string;
  /** Echoed back in the response object, as the API does. */
  echo: Record<string, unknown>;
};

const part = z.looseObject({ type: z.string(), text: z.string().optional() });
const item = z.looseObject({ type: z.string().optional(), role: z.string().optional() });
const format = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().optional(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
]);
const body = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(item)], { error: 'expected a string or an array of input items' }),
  instructions: z.string().nullish(),
  tools: z
    .array(
      z.looseObject({
        type: z.string(),
        name: z.string().optional(),
        description: z.string().nullish(),
        parameters: z.record(z.string(), z.unknown()).nullish(),
      }),
    )
    .nullish(),
  tool_choice: z
    .union(
      [
        z.enum(['auto', 'none', 'required']),
        z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
      ],
      {
        error: 'expected auto, none, required or { "type": "function", "name": "..." }',
      },
    )
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({ format: format.optional() }).nullish(),
  reasoning: z
    .looseObject({ effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullish() })
    .nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

type Item = z.infer<typeof item> & Record<string, unknown>;

/** Validates a Responses API body; throws GatewayHttpError (400) naming the field at fault. */
export function parseResponsesBody(input: unknown): ParsedResponses {
  const request = parseRequestBody(body, input);
  const items: Item[] =
    typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
  const messages = toMessages(items);
  const tools = request.tools?.map((tool, index): ToolDefinition => {
    if (tool.type !== 'function')
      throw invalidParam(
        `tools[${index}].type`,
        `Tool type '${tool.type}' is not supported: Pyramid passes on function tools only.`,
      );
    if (!tool.name)
      throw invalidParam(`tools[${index}].name`, `Missing required parameter: 'tools[${index}].name'.`);
    return {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.parameters ?? { type: 'object', properties: {} },
    };
  });
  const parameters: CallParameters = {};
  const choice = request.tool_choice;
  if (choice != null) parameters.toolChoice = typeof choice === 'string' ? choice : { name: choice.name };
  if (request.parallel_tool_calls != null) parameters.parallelToolCalls = request.parallel_tool_calls;
  if (request.top_p != null) parameters.topP = request.top_p;
  const user = request.safety_identifier ?? request.user;
  if (user != null) parameters.user = user;
  const textFormat = request.text?.format;
  const responseFormat: ResponseFormat | undefined =
    textFormat?.type === 'json_object'
      ? { type: 'json' }
      : textFormat?.type === 'json_schema'
        ? {
            type: 'json-schema',
            schema: textFormat.schema,
            ...(textFormat.name ? { name: textFormat.name } : {}),
            ...(textFormat.strict != null ? { strict: textFormat.strict } : {}),
          }
        : undefined;
  const effort = request.reasoning?.effort;
  return {
    model: request.model,
    ...(request.instructions ? { instructions: request.instructions } : {}),
    input: messages,
    maxTokens: request.max_output_tokens ?? undefined,
    temperature: request.temperature ?? undefined,
    responseFormat,
    ...(tools?.length ? { tools } : {}),
    ...(Object.keys(parameters).length ? { parameters } : {}),
    reasoning: effort
      ? effort === 'none' || effort === 'minimal'
        ? 'off'
        : effort === 'xhigh'
          ? 'high'
          : effort
      : undefined,
    stream: request.stream === true,
    store: request.store !== false,
    ...(request.previous_response_id ? { previousResponseId: request.previous_response_id } : {}),
    echo: {
      instructions: request.instructions ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      metadata: request.metadata ?? {},
      parallel_tool_calls: request.parallel_tool_calls ?? true,
      previous_response_id: request.previous_response_id ?? null,
      reasoning: { effort: effort ?? null, summary: null },
      store: request.store !== false,
      temperature: request.temperature ?? 1,
      text: { format: textFormat ?? { type: 'text' } },
      tool_choice: choice ?? 'auto',
      tools: request.tools ?? [],
      top_p: request.top_p ?? 1,
      truncation: 'disabled',
      user: request.user ?? null,
    },
  };
}

/** Input items as spec messages: consecutive function_call items join the assistant turn before them. */
function toMessages(items: Item[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const assistantTurn = (): Extract<ChatMessage, { role: 'assistant' }> => {
    const last = messages.at(-1);
    if (last?.role === 'assistant') return last;
    const turn: Extract<ChatMessage, { role: 'assistant' }> = { role: 'assistant', content: '' };
    messages.push(turn);
    return turn;
  };
  items.forEach((entry, index) => {
    const param = `input[${index}]`;
    const type = entry.type ?? 'message';
    if (type === 'message') {
      if (entry.role === 'user') {
        messages.push({ role: 'user', content: userContent(entry.content, `${param}.content`) });
        return;
      }
      const text = contentText(entry.content, `${param}.content`);
      switch (entry.role) {
        case 'system':
        case 'developer':
          messages.push({ role: 'system', content: text });
          return;
        case 'assistant': {
          const last = messages.at(-1);
          if (last?.role === 'assistant' && !last.toolCalls?.length) last.content += text;
          else messages.push({ role: 'assistant', content: text });
          return;
        }
        default:
          throw invalidParam(
            `${param}.role`,
            `Invalid value for '${param}.role': expected user, system, developer or assistant.`,
          );
      }
    }
    if (type === 'function_call') {
      const callId = stringField(entry, 'call_id', param);
      const call: ToolCall = {
        id: callId,
        name: stringField(entry, 'name', param),
        arguments: typeof entry.arguments === 'string' ? entry.arguments : '{}',
      };
      const turn = assistantTurn();
      turn.toolCalls = [...(turn.toolCalls ?? []), call];
      return;
    }
    if (type === 'function_call_output') {
      const callId = stringField(entry, 'call_id', param);
      const output =
        typeof entry.output === 'string' ? entry.output : contentText(entry.output, `${param}.output`);
      // The tool's name is filled in from the conversation once the history is known (see withToolNames).
      messages.push({ role: 'tool', toolCallId: callId, toolName: '', content: output });
      return;
    }
    if (type === 'reasoning') return; // earlier reasoning is not replayed to another model
    throw invalidParam(
      `${param}.type`,
      `Input item type '${type}' is not supported (message, function_call, function_call_output and reasoning are).`,
    );
  });
  return messages;
}

/** Names each tool result after its call, looking through the whole conversation. */
export function withToolNames(conversation: ChatMessage[]): ChatMessage[] {
  const names = new Map<string, string>();
  for (const message of conversation) {
    if (message.role === 'assistant')
      for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  }
  return conversation.map((message) =>
    message.role === 'tool' && !message.toolName
      ? { ...message, toolName: names.get(message.toolCallId) ?? 'tool' }
      : message,
  );
}

/** A user message's content: its text, or parts in order when it has `input_image` parts. */
function userContent(content: unknown, param: string): string | UserContentPart[] {
  if (!Array.isArray(content) || !content.some((entry) => (entry as Item)?.type === 'input_image'))
    return contentText(content, param);
  return content.map((entry, index): UserContentPart => {
    const value = entry as Item;
    if (value?.type !== 'input_image') return { type: 'text', text: contentText([entry], param) };
    if (value.file_id !== undefined && value.file_id !== null)
      throw invalidParam(
        `${param}[${index}].file_id`,
        `Invalid value for '${param}[${index}]': file_id images are not supported (Pyramid keeps no files); send image_url as an https or data: URL.`,
      );
    return {
      type: 'image',
      image: parseImageUrl(value.image_url, `${param}[${index}].image_url`, value.detail),
    };
  });
}

function contentText(content: unknown, param: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content))
    throw invalidParam(param, `Invalid value for '${param}': expected a string or content parts.`);
  return content
    .map((entry, index) => {
      const parsed = part.safeParse(entry);
      const type = parsed.success ? parsed.data.type : 'unknown';
      if (type !== 'input_text' && type !== 'output_text' && type !== 'text')
        throw invalidParam(
          `${param}[${index}]`,
          `Unsupported content part type '${type}' at '${param}[${index}]': text parts are supported, and input_image parts in user messages.`,
        );
      return parsed.success ? (parsed.data.text ?? '') : '';
    })
    .join('');
}

function stringField(entry: Record<string, unknown>, field: string, param: string): string {
  const value = entry[field];
  if (typeof value !== 'string' || value === '')
    throw invalidParam(`${param}.${field}`, `Missing required parameter: '${param}.${field}'.`);
  return value;
}
