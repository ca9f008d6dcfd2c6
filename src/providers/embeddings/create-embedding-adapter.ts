import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { APICallError } from '@ai-sdk/provider';
import { Ollama } from 'ollama';
import type { EmbeddingAdapter, EmbeddingAnswer, EmbeddingCall } from '../../contracts/embedding.ts';
import { BadRequestError, MalformedResponseError } from '../../contracts/errors/index.ts';
import type { ModelConfig, ProviderConfig } from '../../contracts/pyramid-config.ts';
import { type CallGuard, createCallGuard } from '../call-guard.ts';
import { classifyProviderError, type ErrorContext } from '../classify-provider-error.ts';
import { createGuardedFetch } from '../create-guarded-fetch.ts';
import { providerSecrets } from '../provider-secrets.ts';

/**
 * The embedding adapter for one model behind its provider's protocol: Ollama's native `/api/embed`
 * (the ollama package), OpenAI-compatible `POST /embeddings`, Gemini's `batchEmbedContents` (the AI
 * SDK's Google package). Anthropic has no embeddings API: every call fails with a bad request, so the
 * router moves on and the trace says why.
 */
export function createEmbeddingAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
}): EmbeddingAdapter {
  const { provider, model } = options;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const context: ErrorContext = {
    provider: provider.name,
    model: model.name,
    secrets: providerSecrets(provider),
    now: options.now ?? Date.now,
  };
  const embedWith =
    (run: (fetch: typeof globalThis.fetch, call: EmbeddingCall) => Promise<EmbeddingAnswer>) =>
    async (call: EmbeddingCall): Promise<EmbeddingAnswer> => {
      const guard: CallGuard = createCallGuard({
        timeouts: call.timeouts,
        signal: call.signal,
        streaming: false,
        provider: provider.name,
        model: model.name,
      });
      try {
        const answer = await guard.race(run(createGuardedFetch(baseFetch, guard), call));
        guard.markComplete();
        if (
          answer.vectors.length !== call.inputs.length ||
          answer.vectors.some((vector) => !Array.isArray(vector))
        )
          throw new MalformedResponseError(
            `${provider.name}/${model.name}: ${answer.vectors.length} embeddings for ${call.inputs.length} inputs`,
            { provider: provider.name, model: model.name },
          );
        return answer;
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        guard.dispose();
      }
    };

  switch (provider.api) {
    case 'ollama': {
      const headers = {
        ...provider.headers,
        ...(provider.apiKey ? { Authorization: `Bearer ${provider.apiKey}` } : {}),
      };
      return {
        api: provider.api,
        embed: embedWith(async (fetch, call) => {
          const response = await new Ollama({ host: provider.baseUrl, fetch, headers }).embed({
            model: model.id,
            input: call.inputs,
            ...(call.dimensions ? { dimensions: call.dimensions } : {}),
          });
          return {
            vectors: response.embeddings,
            inputTokens: response.prompt_eval_count ?? estimate(call.inputs),
          };
        }),
      };
    }
    case 'openai-completions': {
      const url = `${provider.baseUrl.replace(/\/+$/, '')}/embeddings`;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
        ...provider.headers,
      };
      return {
        api: provider.api,
        embed: embedWith(async (fetch, call) => {
          const requestBody = {
            model: model.id,
            input: call.inputs,
            encoding_format: 'float',
            ...(call.dimensions ? { dimensions: call.dimensions } : {}),
          };
          const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(requestBody) });
          const text = await response.text();
          if (!response.ok)
            throw new APICallError({
              message: `HTTP ${response.status}`,
              url,
              requestBodyValues: requestBody,
              statusCode: response.status,
              responseHeaders: Object.fromEntries(response.headers),
              responseBody: text,
            });
          const parsed = JSON.parse(text) as {
            data?: { index?: number; embedding?: number[] }[];
            usage?: { prompt_tokens?: number };
          };
          const data = [...(parsed.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
          return {
            vectors: data.map((entry) => entry.embedding as number[]),
            inputTokens: parsed.usage?.prompt_tokens ?? estimate(call.inputs),
          };
        }),
      };
    }
    case 'google-generative-ai': {
      return {
        api: provider.api,
        embed: embedWith(async (fetch, call) => {
          // Built per call over the call's guarded fetch (embeddings are not the hot path).
          const google = createGoogleGenerativeAI({
            baseURL: provider.baseUrl,
            apiKey: provider.apiKey,
            headers: provider.headers,
            fetch,
          });
          const result = await google.embeddingModel(model.id).doEmbed({
            values: call.inputs,
            ...(call.dimensions
              ? { providerOptions: { google: { outputDimensionality: call.dimensions } } }
              : {}),
          });
          // Gemini reports no token count for embeddings.
          return { vectors: result.embeddings, inputTokens: result.usage?.tokens ?? estimate(call.inputs) };
        }),
      };
    }
    default:
      return {
        api: provider.api,
        embed: async () => {
          throw new BadRequestError(
            `${provider.name}/${model.name}: ${provider.api} has no embeddings API; list an ollama, openai-completions or google-generative-ai model under embeddings`,
            { provider: provider.name, model: model.name },
          );
        },
      };
  }
}

/** About four characters a token, for providers that report no count. */
const estimate = (inputs: string[]) => inputs.reduce((sum, input) => sum + Math.ceil(input.length / 4), 0);
