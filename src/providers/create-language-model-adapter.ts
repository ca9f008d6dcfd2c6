import type {
  LanguageModelV3,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import { ContentFilteredError, MalformedResponseError } from '../contracts/errors/index.ts';
import type { ToolCall } from '../contracts/message.ts';
import type { ModelAdapter, ModelAnswer, ModelCall, ModelStreamEvent } from '../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../contracts/pyramid-config.ts';
import { type CallGuard, createCallGuard } from './call-guard.ts';
import { classifyProviderError, type ErrorContext } from './classify-provider-error.ts';
import { createGuardedFetch } from './create-guarded-fetch.ts';
import { dropFormatWithTools } from './drop-format-with-tools.ts';
import { type ExpressesParameter, listDroppedParameters } from './list-dropped-parameters.ts';
import { normaliseUsage } from './normalise-usage.ts';
import { providerSecrets } from './provider-secrets.ts';
import { createThinkTagSplitter, splitThinkTags } from './think-tag-splitter.ts';
import { toFinishReason } from './to-finish-reason.ts';
import { toLanguageModelCallOptions } from './to-language-model-call-options.ts';

export type LanguageModelAdapterOptions = {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch: typeof globalThis.fetch;
  now: () => number;
  /** Builds the AI SDK model (once per adapter) over the given fetch. */
  createLanguageModel: (fetch: typeof globalThis.fetch) => LanguageModelV3;
  /** The protocol's reasoning options for a call (the reasoning level mapping). */
  providerOptions: (call: ModelCall) => SharedV3ProviderOptions | undefined;
  /** Whether the protocol's output token total counts thinking (see normaliseUsage). */
  outputIncludesReasoning: boolean;
  /** False when the API refuses a native response format together with tools (see dropFormatWithTools). */
  formatWithTools?: boolean;
  /** Which call parameters the protocol (through its AI SDK package) can carry. */
  expresses: ExpressesParameter;
};

/**
 * A ModelAdapter over an AI SDK LanguageModelV3 (`doGenerate` / `doStream`). The SDK model is built
 * once: building one compiles its zod schemas, which was most of the per-call cost when it was built
 * per call. Its fetch finds each call's guard (timers, headers) through the abort signal the call
 * hands the SDK, which passes it on to fetch unchanged. Non-streaming calls enforce only
 * `totalMs`: their headers come with the finished body, so a connect limit would cut long answers.
 */
export function createLanguageModelAdapter(options: LanguageModelAdapterOptions): ModelAdapter {
  const { provider, model } = options;
  const context: ErrorContext = {
    provider: provider.name,
    model: model.name,
    secrets: providerSecrets(provider),
    now: options.now,
  };
  const guards = new WeakMap<AbortSignal, typeof globalThis.fetch>();
  const languageModel = options.createLanguageModel((input, init) => {
    const guardedFetch = init?.signal ? guards.get(init.signal) : undefined;
    return (guardedFetch ?? options.fetch)(input, init);
  });
  const startGuard = (call: ModelCall, streaming: boolean): CallGuard => {
    const guard = createCallGuard({
      timeouts: call.timeouts,
      signal: call.signal,
      streaming,
      provider: provider.name,
      model: model.name,
    });
    guards.set(
      guard.signal,
      createGuardedFetch(options.fetch, guard, streaming ? call.timeouts.connectMs : undefined),
    );
    return guard;
  };

  return {
    api: provider.api,
    modelId: model.id,
    droppedParameters: (call) => listDroppedParameters(call, options.expresses),
    async generate(call) {
      const guard = startGuard(call, false);
      try {
        const callOptions = toLanguageModelCallOptions(
          options.formatWithTools === false ? dropFormatWithTools(call) : call,
          model,
          options.providerOptions(call),
          guard.signal,
        );
        const result = await guard.race(languageModel.doGenerate(callOptions));
        guard.markComplete();
        return toModelAnswer(result, model, options.outputIncludesReasoning, context);
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        guard.dispose();
      }
    },
    async *stream(call) {
      const guard = startGuard(call, true);
      let reader: ReadableStreamDefaultReader<LanguageModelV3StreamPart> | undefined;
      try {
        const callOptions = toLanguageModelCallOptions(
          options.formatWithTools === false ? dropFormatWithTools(call) : call,
          model,
          options.providerOptions(call),
          guard.signal,
        );
        const { stream } = await guard.race(languageModel.doStream(callOptions));
        reader = stream.getReader();
        const splitter = createThinkTagSplitter({ opened: model.templateOpensThink });
        let reasoningText = '';
        let sawText = false;
        let finish: Extract<LanguageModelV3StreamPart, { type: 'finish' }> | undefined;
        const deltas = function* (split: { text: string; reasoning: string }): Generator<ModelStreamEvent> {
          if (split.reasoning) {
            reasoningText += split.reasoning;
            yield { type: 'reasoning-delta', text: split.reasoning };
          }
          if (split.text) {
            sawText = true;
            yield { type: 'text-delta', text: split.text };
          }
        };
        for (;;) {
          const { done, value: part } = await guard.race(reader.read());
          if (done) {
            guard.markComplete();
            break;
          }
          if (
            part.type === 'text-delta' ||
            part.type === 'reasoning-delta' ||
            part.type === 'tool-input-start'
          ) {
            guard.markFirstToken();
          }
          if (part.type === 'text-delta') yield* deltas(splitter.push(part.delta));
          else if (part.type === 'reasoning-delta') yield* deltas({ text: '', reasoning: part.delta });
          else if (part.type === 'tool-call') yield { type: 'tool-call', toolCall: toToolCall(part) };
          else if (part.type === 'error') throw part.error;
          else if (part.type === 'finish') finish = part;
        }
        yield* deltas(splitter.flush(finish?.finishReason.unified === 'length'));
        // Google's SDK emits a finish when the body ends whatever came before it; without the
        // provider's own finish reason the answer was cut short (or the body was no stream at all).
        if (!finish || finish.finishReason.raw === undefined) {
          throw new MalformedResponseError(
            `${provider.name}/${model.name}: the stream ended before its final event`,
            {
              provider: provider.name,
              model: model.name,
            },
          );
        }
        const finishReason = toFinishReason(finish.finishReason);
        if (finishReason === 'content-filter' && !sawText)
          throw contentFiltered(context, finish.finishReason.raw);
        const usage = normaliseUsage(fromLanguageModelUsage(finish.usage), {
          reasoningText,
          outputIncludesReasoning: options.outputIncludesReasoning,
        });
        yield { type: 'finish', finishReason, usage };
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        reader?.cancel().catch(() => {});
        guard.dispose();
      }
    },
  };
}

function toModelAnswer(
  result: LanguageModelV3GenerateResult,
  model: ModelConfig,
  outputIncludesReasoning: boolean,
  context: ErrorContext,
): ModelAnswer {
  // A 200 whose body is an error (Google's schema accepts it as an answer with no candidates).
  const body = result.response?.body;
  if (isObject(body) && isObject(body.error)) throw classifyProviderError(body.error, context);
  if (result.content.length === 0 && result.finishReason.raw === undefined) {
    throw new MalformedResponseError(
      `${context.provider}/${context.model}: an answer with neither content nor a finish reason`,
      { provider: context.provider, model: context.model },
    );
  }
  let rawText = '';
  let reasoningText = '';
  const toolCalls: ToolCall[] = [];
  for (const part of result.content) {
    if (part.type === 'text') rawText += part.text;
    else if (part.type === 'reasoning') reasoningText += part.text;
    else if (part.type === 'tool-call') toolCalls.push(toToolCall(part));
  }
  const split = splitThinkTags(rawText, {
    opened: model.templateOpensThink,
    truncated: result.finishReason.unified === 'length',
  });
  const text = split.text;
  reasoningText += split.reasoning;
  const finishReason = toFinishReason(result.finishReason);
  if (finishReason === 'content-filter' && !text && toolCalls.length === 0) {
    throw contentFiltered(context, result.finishReason.raw);
  }
  const usage = normaliseUsage(fromLanguageModelUsage(result.usage), {
    reasoningText,
    outputIncludesReasoning,
  });
  return { text, reasoningText, toolCalls, finishReason, usage };
}

function fromLanguageModelUsage(usage: LanguageModelV3Usage) {
  return {
    input: usage.inputTokens.total,
    cachedInput: usage.inputTokens.cacheRead,
    outputTotal: usage.outputTokens.total,
    outputText: usage.outputTokens.text,
    reasoning: usage.outputTokens.reasoning,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const toToolCall = (part: { toolCallId: string; toolName: string; input: string }): ToolCall => ({
  id: part.toolCallId,
  name: part.toolName,
  arguments: part.input,
});

const contentFiltered = (context: ErrorContext, raw: string | undefined) =>
  new ContentFilteredError(
    `${context.provider}/${context.model}: the answer was withheld (${raw ?? 'content filter'})`,
    {
      provider: context.provider,
      model: context.model,
    },
  );
