import { type AnswerPlan, chunkText, visibleContent } from './answer-plan.ts';
import { type FakeProtocol, fakeEmbedding, fakeEmbeddingTokens, isBase64 } from './fake-protocol.ts';

const createdAt = '2025-06-01T12:00:00.000000Z';
const line = (value: unknown) => `${JSON.stringify(value)}\n`;

const toolCallsOf = (plan: AnswerPlan) =>
  plan.toolCalls.map((call) => ({
    function: { name: call.name, arguments: JSON.parse(call.arguments || '{}') },
  }));

// Ollama counts thinking in eval_count and reports no separate reasoning count.
const doneFields = (plan: AnswerPlan) => ({
  done: true,
  done_reason: plan.finishReason === 'length' ? 'length' : 'stop',
  total_duration: 1_200_000_000,
  load_duration: 10_000_000,
  ...(plan.usage
    ? {
        prompt_eval_count: plan.usage.input,
        prompt_eval_duration: 100_000_000,
        eval_count: plan.usage.output + plan.usage.reasoning,
        eval_duration: 1_000_000_000,
      }
    : {}),
});

const errors = {
  'rate-limited': [429, 'too many requests'],
  server: [500, 'llama runner process has terminated: exit status 2'],
  overloaded: [503, 'server busy, please try again.  maximum pending requests exceeded'],
  auth: [401, 'unauthorized'],
  'bad-request': [400, 'invalid options: temperature'],
  'context-too-long': [400, 'the input length exceeds the context length'],
  'model-not-found': [404, "model 'MODEL' not found"],
} as const;

/** Ollama native API: `POST /api/chat` (JSON, or NDJSON when `stream` is not false), `GET /api/tags`. */
export const ollamaFakeProtocol: FakeProtocol = {
  basePath: '',
  streamContentType: 'application/x-ndjson',
  route(method, url, body) {
    const model = String((body as { model?: unknown } | undefined)?.model ?? '');
    if (method === 'GET' && url.pathname === '/api/tags') return { kind: 'models', model };
    if (method === 'POST' && url.pathname === '/api/embed') return { kind: 'embed', model };
    if (method !== 'POST' || url.pathname !== '/api/chat') return undefined;
    // Ollama streams unless told not to.
    return { kind: (body as { stream?: boolean }).stream === false ? 'generate' : 'stream', model };
  },
  generateBody(plan) {
    return {
      model: plan.model,
      created_at: createdAt,
      message: {
        role: 'assistant',
        content: visibleContent(plan),
        ...(plan.reasoning && !plan.inlineThink ? { thinking: plan.reasoning } : {}),
        ...(plan.toolCalls.length ? { tool_calls: toolCallsOf(plan) } : {}),
      },
      ...doneFields(plan),
    };
  },
  streamChunks(plan) {
    const chunk = (message: Record<string, unknown>) =>
      line({
        model: plan.model,
        created_at: createdAt,
        message: { role: 'assistant', content: '', ...message },
        done: false,
      });
    const chunks: string[] = [];
    if (!plan.inlineThink) {
      for (const piece of chunkText(plan.reasoning, plan.chunkSize)) chunks.push(chunk({ thinking: piece }));
    }
    for (const piece of chunkText(visibleContent(plan), plan.chunkSize))
      chunks.push(chunk({ content: piece }));
    if (plan.toolCalls.length) chunks.push(chunk({ tool_calls: toolCallsOf(plan) }));
    chunks.push(
      line({
        model: plan.model,
        created_at: createdAt,
        message: { role: 'assistant', content: '' },
        ...doneFields(plan),
      }),
    );
    return chunks;
  },
  malformedStreamChunks(plan) {
    return [
      line({
        model: plan.model,
        created_at: createdAt,
        message: { role: 'assistant', content: 'Hel' },
        done: false,
      }),
      '{"model":"broken","message":{\n',
    ];
  },
  embedBody(body, model) {
    const request = body as { input: string | string[]; dimensions?: number };
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    return {
      model,
      embeddings: inputs.map((input) => fakeEmbedding(input, request.dimensions)),
      total_duration: 14_000_000,
      load_duration: 1_000_000,
      prompt_eval_count: fakeEmbeddingTokens(inputs),
    };
  },
  modelsBody(models) {
    return {
      models: models.map((name) => ({
        name,
        model: name,
        modified_at: createdAt,
        size: 4_000_000_000,
        digest: 'sha256:fake',
        details: { format: 'gguf', family: 'qwen3', parameter_size: '8B', quantization_level: 'Q4_K_M' },
      })),
    };
  },
  review(route, body, models) {
    if (route.kind === 'embed') return undefined;
    const request = body as { format?: unknown; messages?: { images?: unknown }[] };
    // Ollama takes "json" or a JSON Schema object in `format`; anything else is refused.
    const format = request.format;
    if (
      format !== undefined &&
      format !== '' &&
      format !== 'json' &&
      (typeof format !== 'object' || format === null || Array.isArray(format))
    )
      return { refusal: { status: 400, body: { error: `invalid format: ${JSON.stringify(format)}` } } };
    const images = (request.messages ?? []).flatMap((message) =>
      Array.isArray(message.images) ? message.images : [],
    );
    // Images are base64 without a data: prefix (Go decodes them into bytes when it reads the body).
    for (const image of images) {
      const text = String(image);
      if (!isBase64(text)) {
        const at = [...text].findIndex((character) => !/[A-Za-z0-9+/=]/.test(character));
        return {
          refusal: { status: 400, body: { error: `illegal base64 data at input byte ${Math.max(at, 0)}` } },
        };
      }
    }
    if (images.length > 0 && !models.takesImages(route.model))
      return {
        refusal: {
          status: 500,
          body: {
            error:
              'Failed to create new sequence: failed to process inputs: this model is missing data required for image input',
          },
        },
      };
    // With `format`, decoding is held to JSON: a model that meant to call a tool writes the call as text.
    if (!format) return undefined;
    return {
      constrain: (plan) => {
        if (plan.toolCalls.length === 0) return plan;
        const text = JSON.stringify(
          plan.toolCalls.map((call) => ({ name: call.name, arguments: call.arguments })),
        );
        return { ...plan, text: plan.text || text, toolCalls: [], finishReason: 'stop' };
      },
    };
  },
  errorResponse(kind, model) {
    const [status, message] = errors[kind];
    return { status, body: { error: message.replace('MODEL', model) } };
  },
};
