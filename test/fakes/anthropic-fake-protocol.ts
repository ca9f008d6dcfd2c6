import { type AnswerPlan, chunkText } from './answer-plan.ts';
import { anthropicRequestRejection } from './anthropic-request-rules.ts';
import { type FakeProtocol, refused, sse } from './fake-protocol.ts';

const stopReasons = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
};
const signature = 'EqQBCkYIBRgCKkBmYWtlLXNpZ25hdHVyZQ==';

// Anthropic counts thinking in output_tokens and reports no separate thinking count; input_tokens
// excludes cache reads, which come as cache_read_input_tokens.
const usageOf = (plan: AnswerPlan) => ({
  input_tokens: (plan.usage?.input ?? 0) - (plan.usage?.cachedInput ?? 0),
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: plan.usage?.cachedInput ?? 0,
  output_tokens: (plan.usage?.output ?? 0) + (plan.usage?.reasoning ?? 0),
  service_tier: 'standard',
});

const message = (plan: AnswerPlan, content: unknown[], stopReason: string | null, usage: unknown) => ({
  id: 'msg_01FakeFakeFake',
  type: 'message',
  role: 'assistant',
  model: plan.model,
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage,
});

const errors = {
  'rate-limited': [
    429,
    'rate_limit_error',
    'Number of request tokens has exceeded your per-minute rate limit',
  ],
  server: [500, 'api_error', 'Internal server error'],
  overloaded: [529, 'overloaded_error', 'Overloaded'],
  auth: [401, 'authentication_error', 'invalid x-api-key'],
  'bad-request': [400, 'invalid_request_error', 'max_tokens: Field required'],
  'context-too-long': [400, 'invalid_request_error', 'prompt is too long: 208315 tokens > 200000 maximum'],
  'model-not-found': [404, 'not_found_error', 'model: MODEL'],
} as const;

/** Anthropic Messages: `POST /v1/messages` (JSON, or SSE from message_start to message_stop), `GET /v1/models`. */
export const anthropicFakeProtocol: FakeProtocol = {
  basePath: '/v1',
  streamContentType: 'text/event-stream',
  route(method, url, body) {
    const model = String((body as { model?: unknown } | undefined)?.model ?? '');
    if (method === 'GET' && url.pathname === '/v1/models') return { kind: 'models', model };
    if (method !== 'POST' || url.pathname !== '/v1/messages') return undefined;
    return { kind: (body as { stream?: boolean }).stream ? 'stream' : 'generate', model };
  },
  generateBody(plan) {
    const content = [
      ...(plan.reasoning ? [{ type: 'thinking', thinking: plan.reasoning, signature }] : []),
      ...(plan.text ? [{ type: 'text', text: plan.text }] : []),
      ...plan.toolCalls.map((call) => ({
        type: 'tool_use',
        id: call.id,
        name: call.name,
        input: JSON.parse(call.arguments || '{}'),
      })),
    ];
    return message(plan, content, stopReasons[plan.finishReason], plan.usage ? usageOf(plan) : undefined);
  },
  streamChunks(plan) {
    const event = (data: { type: string }) => sse(data, data.type);
    const start = { ...usageOf(plan), output_tokens: 1 };
    const chunks = [
      event({ type: 'message_start', message: message(plan, [], null, start) } as never),
      sse({ type: 'ping' }, 'ping'),
    ];
    let index = 0;
    const block = (contentBlock: unknown, deltas: unknown[]) => {
      chunks.push(event({ type: 'content_block_start', index, content_block: contentBlock } as never));
      for (const delta of deltas) chunks.push(event({ type: 'content_block_delta', index, delta } as never));
      chunks.push(event({ type: 'content_block_stop', index } as never));
      index++;
    };
    if (plan.reasoning) {
      block({ type: 'thinking', thinking: '', signature: '' }, [
        ...chunkText(plan.reasoning, plan.chunkSize).map((thinking) => ({
          type: 'thinking_delta',
          thinking,
        })),
        { type: 'signature_delta', signature },
      ]);
    }
    if (plan.text) {
      block(
        { type: 'text', text: '' },
        chunkText(plan.text, plan.chunkSize).map((text) => ({ type: 'text_delta', text })),
      );
    }
    for (const call of plan.toolCalls) {
      block(
        { type: 'tool_use', id: call.id, name: call.name, input: {} },
        chunkText(call.arguments, plan.chunkSize).map((partial_json) => ({
          type: 'input_json_delta',
          partial_json,
        })),
      );
    }
    chunks.push(
      event({
        type: 'message_delta',
        delta: { stop_reason: stopReasons[plan.finishReason], stop_sequence: null },
        usage: plan.usage ? usageOf(plan) : { output_tokens: 0 },
      } as never),
    );
    chunks.push(event({ type: 'message_stop' }));
    return chunks;
  },
  malformedStreamChunks(plan) {
    return [
      sse({ type: 'message_start', message: message(plan, [], null, usageOf(plan)) }, 'message_start'),
      'event: content_block_start\ndata: {"type":"content_bl\n\n',
    ];
  },
  review: (_route, body, models) => refused(anthropicRequestRejection(body, models)),
  modelsBody(models) {
    return {
      data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-05-14T00:00:00Z' })),
      has_more: false,
      first_id: models[0] ?? null,
      last_id: models.at(-1) ?? null,
    };
  },
  errorResponse(kind, model) {
    const [status, type, text] = errors[kind];
    return {
      status,
      body: { type: 'error', error: { type, message: text.replace('MODEL', model) }, request_id: 'req_fake' },
    };
  },
};
