import { randomUUID } from 'node:crypto';
import { type ChatResponse, Ollama, type ToolCall as OllamaToolCall } from 'ollama';
import type { ToolCall } from '../../contracts/message.ts';
import type { FinishReason, ModelAdapter, ModelCall, ModelStreamEvent } from '../../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../../contracts/pyramid-config.ts';
import { createCallGuard } from '../call-guard.ts';
import { classifyProviderError, type ErrorContext } from '../classify-provider-error.ts';
import { createGuardedFetch } from '../create-guarded-fetch.ts';
import { listDroppedParameters } from '../list-dropped-parameters.ts';
import { normaliseUsage } from '../normalise-usage.ts';
import { providerSecrets } from '../provider-secrets.ts';
import { createThinkTagSplitter, splitThinkTags } from '../think-tag-splitter.ts';
import { toOllamaChatRequest } from './to-ollama-chat-request.ts';

/** An adapter for Ollama's native `/api/chat`, with `think` and the separate `thinking` field. */
export function createOllamaAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch: typeof globalThis.fetch;
  now: () => number;
}): ModelAdapter {
  const { provider, model } = options;
  const context: ErrorContext = {
    provider: provider.name,
    model: model.name,
    secrets: providerSecrets(provider),
    now: options.now,
  };
  const headers = {
    ...provider.headers,
    // Ollama itself needs no key; ollama.com and authenticating proxies take a bearer token.
    ...(provider.apiKey ? { Authorization: `Bearer ${provider.apiKey}` } : {}),
  };
  const startGuard = (call: ModelCall, streaming: boolean) =>
    createCallGuard({
      timeouts: call.timeouts,
      signal: call.signal,
      streaming,
      provider: provider.name,
      model: model.name,
    });
  const client = (fetch: typeof globalThis.fetch) => new Ollama({ host: provider.baseUrl, fetch, headers });

  return {
    api: provider.api,
    modelId: model.id,
    // /api/chat has no tool choice beyond leaving the tools out, no switch for parallel calls and no user.
    droppedParameters: (call) =>
      listDroppedParameters(
        call,
        (name, parameters) =>
          (name === 'toolChoice' && parameters.toolChoice === 'none') ||
          (name !== 'toolChoice' && name !== 'parallelToolCalls' && name !== 'user'),
      ),
    async generate(call) {
      // Non-streaming: only totalMs applies (the headers come with the finished body).
      const guard = startGuard(call, false);
      try {
        const ollama = client(createGuardedFetch(options.fetch, guard));
        const response = await guard.race(
          ollama.chat({ ...toOllamaChatRequest(call, model), stream: false }),
        );
        guard.markComplete();
        const split = splitThinkTags(response.message.content ?? '', {
          opened: model.templateOpensThink,
          truncated: response.done_reason === 'length',
        });
        const reasoningText = (response.message.thinking ?? '') + split.reasoning;
        const toolCalls = (response.message.tool_calls ?? []).map((toolCall) => toToolCall(toolCall));
        return {
          text: split.text,
          reasoningText,
          toolCalls,
          finishReason: toFinishReason(response.done_reason, toolCalls.length > 0),
          usage: usageOf(response, reasoningText),
        };
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        guard.dispose();
      }
    },
    async *stream(call) {
      const guard = startGuard(call, true);
      let iterator: AsyncIterator<ChatResponse> | undefined;
      try {
        const ollama = client(createGuardedFetch(options.fetch, guard, call.timeouts.connectMs));
        const chunks = await guard.race(ollama.chat({ ...toOllamaChatRequest(call, model), stream: true }));
        iterator = chunks[Symbol.asyncIterator]();
        const splitter = createThinkTagSplitter({ opened: model.templateOpensThink });
        let reasoningText = '';
        let toolCallCount = 0;
        const deltas = function* (text: string, reasoning: string): Generator<ModelStreamEvent> {
          if (reasoning) {
            reasoningText += reasoning;
            yield { type: 'reasoning-delta', text: reasoning };
          }
          if (text) yield { type: 'text-delta', text };
        };
        for (;;) {
          const { done, value: chunk } = await guard.race(iterator.next());
          // The package throws when the stream ends without `done: true`, so this is not reached early.
          if (done) break;
          const thinking = chunk.message?.thinking ?? '';
          const split = splitter.push(chunk.message?.content ?? '');
          if (thinking || split.text || split.reasoning || chunk.message?.tool_calls?.length)
            guard.markFirstToken();
          yield* deltas(split.text, thinking + split.reasoning);
          for (const toolCall of chunk.message?.tool_calls ?? []) {
            toolCallCount++;
            yield { type: 'tool-call', toolCall: toToolCall(toolCall) };
          }
          if (chunk.done) {
            guard.markComplete();
            const rest = splitter.flush(chunk.done_reason === 'length');
            yield* deltas(rest.text, rest.reasoning);
            yield {
              type: 'finish',
              finishReason: toFinishReason(chunk.done_reason, toolCallCount > 0),
              usage: usageOf(chunk, reasoningText),
            };
            return;
          }
        }
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        // Abort first: return() on a generator that is still waiting for a chunk waits for that chunk.
        guard.dispose();
        iterator?.return?.().catch(() => {});
      }
    },
  };
}

// Ollama sends no tool call ids; the spec needs one to pair results with calls, unique across answers
// (a caller that keeps a conversation cannot tell two answers' `call_1` apart).
const toToolCall = (toolCall: OllamaToolCall): ToolCall => ({
  id: `call_${randomUUID().replaceAll('-', '')}`,
  name: toolCall.function.name,
  arguments: JSON.stringify(toolCall.function.arguments ?? {}),
});

function toFinishReason(doneReason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (doneReason === 'length') return 'length';
  if (doneReason === 'stop' || doneReason === undefined) return hasToolCalls ? 'tool-calls' : 'stop';
  return 'other';
}

// eval_count includes thinking tokens; Ollama has no prompt cache count.
const usageOf = (response: ChatResponse, reasoningText: string) =>
  normaliseUsage(
    { input: response.prompt_eval_count, outputTotal: response.eval_count },
    { reasoningText, outputIncludesReasoning: true },
  );
