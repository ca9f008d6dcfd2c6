import { type AnswerPlan, chunkText, visibleContent } from './answer-plan.ts';
import { type FakeProtocol, fakeEmbedding, fakeEmbeddingTokens, refused, sse } from './fake-protocol.ts';
import { openaiRequestRejection } from './openai-request-rules.ts';

const finishReasons = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
};
const created = 1_750_000_000;

const usageOf = (plan: AnswerPlan) => {
  const usage = plan.usage;
  if (!usage) return undefined;
  return {
    prompt_tokens: usage.input,
    // completion_tokens counts reasoning tokens too; reasoning_tokens says how many of them.
    completion_tokens: usage.output + usage.reasoning,
    total_tokens: usage.input + usage.output + usage.reasoning,
    prompt_tokens_details: { cached_tokens: usage.cachedInput },
    ...(usage.omitReasoningCount ? {} : { completion_tokens_details: { reasoning_tokens: usage.reasoning } }),
  };
};

const chunk = (plan: AnswerPlan, choice: Record<string, unknown> | undefined, usage?: unknown) => ({
  id: 'chatcmpl-fake',
  object: 'chat.completion.chunk',
  created,
  model: plan.model,
  system_fingerprint: 'fp_fake',
  choices: choice ? [{ index: 0, logprobs: null, finish_reason: null, ...choice }] : [],
  ...(usage ? { usage } : {}),
});

const errors = {
  'rate-limited': [
    429,
    'rate_limit_exceeded',
    'requests',
    'Rate limit reached for requests. Please try again in 7s.',
  ],
  server: [
    500,
    null,
    'server_error',
    'The server had an error while processing your request. Sorry about that!',
  ],
  overloaded: [503, null, 'server_error', 'The engine is currently overloaded, please try again later.'],
  auth: [401, 'invalid_api_key', 'invalid_request_error', 'Incorrect API key provided.'],
  'bad-request': [400, null, 'invalid_request_error', "Invalid value for 'temperature'."],
  'context-too-long': [
    400,
    'context_length_exceeded',
    'invalid_request_error',
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
  ],
  'model-not-found': [
    404,
    'model_not_found',
    'invalid_request_error',
    'The model `MODEL` does not exist or you do not have access to it.',
  ],
} as const;

/** OpenAI Chat Completions: `POST /v1/chat/completions` (JSON or SSE ending in `data: [DONE]`), `GET /v1/models`. */
export const openaiFakeProtocol: FakeProtocol = {
  basePath: '/v1',
  streamContentType: 'text/event-stream',
  route(method, url, body) {
    const model = String((body as { model?: unknown } | undefined)?.model ?? '');
    if (method === 'GET' && url.pathname === '/v1/models') return { kind: 'models', model };
    if (method === 'POST' && url.pathname === '/v1/embeddings') return { kind: 'embed', model };
    if (method !== 'POST' || url.pathname !== '/v1/chat/completions') return undefined;
    return { kind: (body as { stream?: boolean }).stream ? 'stream' : 'generate', model };
  },
  generateBody(plan) {
    const content = visibleContent(plan);
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created,
      model: plan.model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: content || (plan.toolCalls.length ? null : ''),
            ...(plan.reasoning && !plan.inlineThink ? { reasoning_content: plan.reasoning } : {}),
            ...(plan.toolCalls.length
              ? {
                  tool_calls: plan.toolCalls.map((call) => ({
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: finishReasons[plan.finishReason],
        },
      ],
      ...(plan.usage ? { usage: usageOf(plan) } : {}),
    };
  },
  streamChunks(plan, requestBody) {
    const chunks = [sse(chunk(plan, { delta: { role: 'assistant', content: '' } }))];
    if (!plan.inlineThink) {
      for (const piece of chunkText(plan.reasoning, plan.chunkSize)) {
        chunks.push(sse(chunk(plan, { delta: { reasoning_content: piece } })));
      }
    }
    for (const piece of chunkText(visibleContent(plan), plan.chunkSize)) {
      chunks.push(sse(chunk(plan, { delta: { content: piece } })));
    }
    plan.toolCalls.forEach((call, index) => {
      chunks.push(
        sse(
          chunk(plan, {
            delta: {
              tool_calls: [
                { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
              ],
            },
          }),
        ),
      );
      for (const piece of chunkText(call.arguments, plan.chunkSize)) {
        chunks.push(sse(chunk(plan, { delta: { tool_calls: [{ index, function: { arguments: piece } }] } })));
      }
    });
    chunks.push(sse(chunk(plan, { delta: {}, finish_reason: finishReasons[plan.finishReason] })));
    const includeUsage = (requestBody as { stream_options?: { include_usage?: boolean } }).stream_options
      ?.include_usage;
    if (includeUsage && plan.usage) chunks.push(sse(chunk(plan, undefined, usageOf(plan))));
    chunks.push(sse('[DONE]'));
    return chunks;
  },
  malformedStreamChunks(plan) {
    return [
      sse(chunk(plan, { delta: { role: 'assistant', content: 'Hel' } })),
      'data: {"id":"chatcmpl-fake","choices":[{"delta":\n\n',
    ];
  },
  review: (route, body, models) =>
    route.kind === 'embed' ? undefined : refused(openaiRequestRejection(body, models)),
  embedBody(body, model) {
    const request = body as { input: string | string[]; dimensions?: number };
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    const tokens = fakeEmbeddingTokens(inputs);
    return {
      object: 'list',
      data: inputs.map((input, index) => ({
        object: 'embedding',
        index,
        embedding: fakeEmbedding(input, request.dimensions),
      })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  },
  modelsBody(models) {
    return { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'fake' })) };
  },
  errorResponse(kind, model) {
    const [status, code, type, message] = errors[kind];
    return { status, body: { error: { message: message.replace('MODEL', model), type, param: null, code } } };
  },
};
