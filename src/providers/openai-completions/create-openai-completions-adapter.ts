import type { IncomingMessage } from 'node:http';
import { ContentFilteredError, MalformedResponseError } from '../../contracts/errors/index.ts';
import type { ToolCall } from '../../contracts/message.ts';
import type { ModelAdapter, ModelCall, ModelStreamEvent } from '../../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../../contracts/pyramid-config.ts';
import { type CallGuard, createCallGuard } from '../call-guard.ts';
import { classifyProviderError, type ErrorContext } from '../classify-provider-error.ts';
import { createJsonPoster, type PostJson, readBodyText } from '../http/create-json-poster.ts';
import { readSseData } from '../http/read-sse-data.ts';
import { normaliseUsage } from '../normalise-usage.ts';
import { providerSecrets } from '../provider-secrets.ts';
import { createThinkTagSplitter, splitThinkTags } from '../think-tag-splitter.ts';
import { collectOpenaiToolCalls } from './collect-openai-tool-calls.ts';
import {
  isJsonObject,
  type JsonObject,
  readContent,
  toFinishReason,
  toReportedUsage,
} from './read-openai-response.ts';
import { toOpenaiChatBody } from './to-openai-chat-body.ts';

/**
 * An adapter for OpenAI-style `/chat/completions` servers (OpenAI, DeepSeek, Gemini's OpenAI
 * endpoint, vLLM, llama.cpp, LM Studio, Ollama's /v1), written directly on node:http rather than on
 * the AI SDK's openai-compatible package. The one protocol that three of the four tiers speak is the
 * gateway's hot path, and the SDK's pipeline (fetch, four chained web streams, a zod parse of every
 * chunk) cost about 1.1 ms of CPU per call, over half of Pyramid's own per-request CPU (measured in
 * bench/RESULTS.md, "gateway"). The wire format it reads and writes is the SDK's, field for field;
 * the shared adapter tests run against it like against the others.
 */
export function createOpenaiCompletionsAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  now: () => number;
  postJson?: PostJson;
}): ModelAdapter {
  const { provider, model } = options;
  const context: ErrorContext = {
    provider: provider.name,
    model: model.name,
    secrets: providerSecrets(provider),
    now: options.now,
  };
  const postJson = options.postJson ?? createJsonPoster();
  const url = new URL(`${provider.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  const headers: Record<string, string> = {
    ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
    ...provider.headers,
  };
  const malformed = (text: string) =>
    new MalformedResponseError(`${provider.name}/${model.name}: ${text}`, {
      provider: provider.name,
      model: model.name,
    });
  const contentFiltered = (raw: unknown) =>
    new ContentFilteredError(
      `${provider.name}/${model.name}: the answer was withheld by the provider's content filter (${String(raw)})`,
      { provider: provider.name, model: model.name },
    );

  const post = async (call: ModelCall, guard: CallGuard, stream: boolean): Promise<IncomingMessage> => {
    const body = JSON.stringify(toOpenaiChatBody(call, model, stream));
    // Streams wait at most connectMs for their headers; a non-streaming answer's headers come with
    // the finished body, so only totalMs bounds it.
    const timer = stream
      ? setTimeout(() => guard.timeOut('connect', call.timeouts.connectMs), call.timeouts.connectMs)
      : undefined;
    try {
      guard.markRequestSent();
      const response = await guard.race(postJson({ url, headers, body, signal: guard.signal }));
      guard.markHeaders(response.headers);
      return response;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    api: provider.api,
    modelId: model.id,
    async generate(call) {
      const guard = startGuard(call, false);
      try {
        const response = await post(call, guard, false);
        const text = await guard.race(readBodyText(response));
        guard.markComplete();
        const parsed: unknown = JSON.parse(text);
        // Some servers answer 200 with an error document (a rate limit, an overloaded backend).
        if (isJsonObject(parsed) && parsed.error !== undefined && parsed.error !== null)
          throw classifyProviderError(parsed.error, context);
        const choice = isJsonObject(parsed) && Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
        if (!isJsonObject(choice) || !isJsonObject(choice.message)) {
          throw malformed('the response has no choices[0].message');
        }
        const content = readContent(choice.message);
        const split = splitThinkTags(content.text, {
          opened: model.templateOpensThink,
          truncated: choice.finish_reason === 'length',
        });
        const reasoningText = content.reasoning + split.reasoning;
        const answerText = split.text;
        const toolCalls = Array.isArray(choice.message.tool_calls)
          ? readToolCalls(choice.message.tool_calls)
          : [];
        if (!toolCalls) throw malformed('a tool call without a function name');
        const finishReason = toFinishReason(choice.finish_reason, content.refusal);
        if (finishReason === 'content-filter' && !answerText && toolCalls.length === 0) {
          throw contentFiltered(choice.finish_reason);
        }
        const usage = normaliseUsage(toReportedUsage((parsed as JsonObject).usage), {
          reasoningText,
          outputIncludesReasoning: true,
        });
        return { text: answerText, reasoningText, toolCalls, finishReason, usage };
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        guard.dispose();
      }
    },
    async *stream(call) {
      const guard = startGuard(call, true);
      try {
        const response = await post(call, guard, true);
        // A JSON document where a stream was asked for: an error some servers send with 200.
        if (/json/i.test(String(response.headers['content-type'] ?? ''))) {
          const parsed: unknown = JSON.parse(await guard.race(readBodyText(response)));
          if (isJsonObject(parsed) && parsed.error !== undefined && parsed.error !== null)
            throw classifyProviderError(parsed.error, context);
          throw malformed('a JSON document where an event stream was asked for');
        }
        response.setEncoding('utf8');
        const splitter = createThinkTagSplitter({ opened: model.templateOpensThink });
        const toolCalls = collectOpenaiToolCalls();
        let reasoningText = '';
        let sawText = false;
        let refused = false;
        let rawFinish: unknown;
        let usage: unknown;
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
        for await (const data of readSseData(response)) {
          if (data === '[DONE]') continue;
          const chunk: unknown = JSON.parse(data);
          if (!isJsonObject(chunk)) throw malformed('a stream chunk that is not a JSON object');
          // An error inside a stream that has started (`{"error":{...}}`): classified from its body.
          if (chunk.error !== undefined && chunk.error !== null)
            throw classifyProviderError(chunk.error, context);
          if (!Array.isArray(chunk.choices)) throw malformed('a stream chunk without choices');
          if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage;
          const choice = chunk.choices[0];
          if (!isJsonObject(choice)) continue;
          if (choice.finish_reason !== undefined && choice.finish_reason !== null)
            rawFinish = choice.finish_reason;
          if (!isJsonObject(choice.delta)) continue;
          const content = readContent(choice.delta);
          refused ||= content.refusal;
          const hasToolCalls = Array.isArray(choice.delta.tool_calls) && choice.delta.tool_calls.length > 0;
          if (content.text || content.reasoning || hasToolCalls) guard.markFirstToken();
          if (content.reasoning) yield* deltas({ text: '', reasoning: content.reasoning });
          if (content.text) yield* deltas(splitter.push(content.text));
          if (hasToolCalls) toolCalls.push(choice.delta.tool_calls as unknown[]);
        }
        guard.markComplete();
        yield* deltas(splitter.flush(rawFinish === 'length'));
        if (rawFinish === undefined) throw malformed('the stream ended without a finish reason');
        const calls = toolCalls.finish();
        if (!calls) throw malformed('a tool call without a function name');
        for (const toolCall of calls) yield { type: 'tool-call', toolCall };
        const finishReason = toFinishReason(rawFinish, refused);
        if (finishReason === 'content-filter' && !sawText && calls.length === 0)
          throw contentFiltered(rawFinish);
        yield {
          type: 'finish',
          finishReason,
          usage: normaliseUsage(toReportedUsage(usage), { reasoningText, outputIncludesReasoning: true }),
        };
      } catch (error) {
        throw classifyProviderError(error, context, guard);
      } finally {
        guard.dispose();
      }
    },
  };

  function startGuard(call: ModelCall, streaming: boolean): CallGuard {
    return createCallGuard({
      timeouts: call.timeouts,
      signal: call.signal,
      streaming,
      provider: provider.name,
      model: model.name,
    });
  }
}

/** Whole tool calls of a non-streaming message; undefined when one has no function name. */
function readToolCalls(raw: unknown[]): ToolCall[] | undefined {
  const collector = collectOpenaiToolCalls();
  collector.push(raw.map((call, index) => (isJsonObject(call) ? { ...call, index } : call)));
  return collector.finish();
}
