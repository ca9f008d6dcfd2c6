import { type AnswerPlan, chunkText } from './answer-plan.ts';
import { type FakeProtocol, fakeEmbedding, refused, sse } from './fake-protocol.ts';
import { googleRequestRejection } from './google-request-rules.ts';

const finishReasons = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  'tool-calls': 'STOP',
  'content-filter': 'SAFETY',
};

// promptTokenCount includes cached tokens; candidatesTokenCount excludes thoughts.
const usageMetadata = (plan: AnswerPlan) => {
  const usage = plan.usage;
  if (!usage) return undefined;
  return {
    promptTokenCount: usage.input,
    candidatesTokenCount: usage.output,
    totalTokenCount: usage.input + usage.output + usage.reasoning,
    ...(usage.cachedInput ? { cachedContentTokenCount: usage.cachedInput } : {}),
    ...(usage.omitReasoningCount || !usage.reasoning ? {} : { thoughtsTokenCount: usage.reasoning }),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.input }],
  };
};

const response = (plan: AnswerPlan, parts: unknown[], finish: boolean) => ({
  candidates: [
    {
      ...(parts.length ? { content: { parts, role: 'model' } } : {}),
      ...(finish ? { finishReason: finishReasons[plan.finishReason] } : {}),
      index: 0,
      ...(finish && plan.finishReason === 'content-filter'
        ? {
            safetyRatings: [
              { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
            ],
          }
        : {}),
    },
  ],
  ...(finish && plan.usage ? { usageMetadata: usageMetadata(plan) } : {}),
  modelVersion: plan.model,
  responseId: 'fake-response-id',
});

const toolParts = (plan: AnswerPlan) =>
  plan.toolCalls.map((call) => ({
    functionCall: { name: call.name, args: JSON.parse(call.arguments || '{}') },
  }));

const errors = {
  'rate-limited': [429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'],
  server: [
    500,
    'INTERNAL',
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  ],
  overloaded: [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  auth: [400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'],
  'bad-request': [
    400,
    'INVALID_ARGUMENT',
    'Invalid JSON payload received. Unknown name "foo": Cannot find field.',
  ],
  'context-too-long': [
    400,
    'INVALID_ARGUMENT',
    'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
  ],
  'model-not-found': [
    404,
    'NOT_FOUND',
    'models/MODEL is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
  ],
} as const;

/**
 * Gemini API: `POST /v1beta/models/{id}:generateContent`, `:streamGenerateContent?alt=sse` (SSE of
 * GenerateContentResponse, the last with finishReason and usageMetadata, no end marker), `GET /v1beta/models`.
 */
export const googleFakeProtocol: FakeProtocol = {
  basePath: '/v1beta',
  streamContentType: 'text/event-stream',
  route(method, url) {
    if (method === 'GET' && url.pathname === '/v1beta/models') return { kind: 'models', model: '' };
    const match =
      /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(
        url.pathname,
      );
    if (method !== 'POST' || !match) return undefined;
    return {
      kind:
        match[2] === 'generateContent' ? 'generate' : match[2] === 'batchEmbedContents' ? 'embed' : 'stream',
      model: decodeURIComponent(match[1]),
    };
  },
  generateBody(plan) {
    if (plan.finishReason === 'content-filter') return response(plan, [], true);
    const parts = [
      ...(plan.reasoning ? [{ text: plan.reasoning, thought: true }] : []),
      ...(plan.text ? [{ text: plan.text }] : []),
      ...toolParts(plan),
    ];
    return response(plan, parts, true);
  },
  streamChunks(plan) {
    if (plan.finishReason === 'content-filter') return [sse(response(plan, [], true))];
    const parts = [
      ...chunkText(plan.reasoning, plan.chunkSize).map((text) => ({ text, thought: true })),
      ...chunkText(plan.text, plan.chunkSize).map((text) => ({ text })),
      ...toolParts(plan),
    ];
    if (parts.length === 0) return [sse(response(plan, [{ text: '' }], true))];
    return parts.map((part, index) => sse(response(plan, [part], index === parts.length - 1)));
  },
  malformedStreamChunks(plan) {
    return [sse(response(plan, [{ text: 'Hel' }], false)), 'data: {"candidates": [{"content": \n\n'];
  },
  review: (route, body, models) =>
    route.kind === 'embed' ? undefined : refused(googleRequestRejection(body, route.model, models)),
  // Gemini reports no token count for embeddings.
  embedBody(body) {
    const requests = (
      body as { requests: { content: { parts: { text: string }[] }; outputDimensionality?: number }[] }
    ).requests;
    return {
      embeddings: requests.map((request) => ({
        values: fakeEmbedding(
          request.content.parts.map((part) => part.text).join(''),
          request.outputDimensionality,
        ),
      })),
    };
  },
  modelsBody(models) {
    return {
      models: models.map((id) => ({
        name: `models/${id}`,
        displayName: id,
        inputTokenLimit: 1048576,
        outputTokenLimit: 65536,
        supportedGenerationMethods: ['generateContent', 'countTokens'],
      })),
    };
  },
  errorResponse(kind, model) {
    const [status, grpcStatus, message] = errors[kind];
    const details =
      kind === 'auth'
        ? [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
            },
          ]
        : kind === 'rate-limited'
          ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '31s' }]
          : undefined;
    return {
      status,
      body: {
        error: {
          code: status,
          message: message.replace('MODEL', model),
          status: grpcStatus,
          ...(details ? { details } : {}),
        },
      },
    };
  },
};
