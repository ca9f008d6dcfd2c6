import type { Hono } from 'hono';
import type { ChatRequest } from '../../contracts/chat-request.ts';
import type { ChatStreamEvent } from '../../contracts/chat-result.ts';
import { jsonBody } from '../create-json-body-middleware.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';
import {
  openAiCompletion,
  openAiFinishReason,
  openAiToolCall,
  openAiUsage,
  pyramidSummary,
} from '../openai-shapes.ts';
import { type ParsedChatCompletion, parseChatCompletionBody } from '../parse-chat-completion-body.ts';
import { resolveModelField } from '../resolve-model-field.ts';
import { resultHeaders, streamHeaders } from '../result-headers.ts';
import { routeRequest } from '../route-request.ts';

/** POST /v1/chat/completions: the OpenAI-compatible entry to the pyramid, streaming or not. */
export function chatCompletionsRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { metrics, logger, now, newId } = context;
  app.post('/v1/chat/completions', async (c) => {
    const receivedAt = now();
    // The config, router and gateway settings in use when the request came (a reload replaces them).
    const { router, config, gateway } = context;
    const requestId = newId();
    c.header('x-pyramid-request-id', requestId);
    const parsed = parseChatCompletionBody(jsonBody(c), gateway.limits);
    const selection = resolveModelField(config, parsed.model, c.req.header('x-pyramid-task'));
    const routed = routeRequest(c, router, metrics, parsed.stream);
    const request: ChatRequest = {
      ...selection,
      messages: parsed.messages,
      maxTokens: parsed.maxTokens,
      temperature: parsed.temperature,
      responseFormat: parsed.responseFormat,
      tools: parsed.tools,
      parameters: parsed.parameters,
      ...(gateway.strictParams ? { strictParameters: true } : {}),
      reasoning: parsed.reasoning,
      callerTag: c.get('caller').name,
      requestId,
      signal: routed.signal,
    };
    if (!parsed.stream) {
      const result = await routed.complete(request);
      return c.json(openAiCompletion(result, Math.floor(receivedAt / 1000)), 200, resultHeaders(result));
    }
    // Failover happens before the first token: a failure there is still a proper HTTP error.
    const { start, iterator } = await routed.stream(request);
    const body = sseBody(iterator, parsed, {
      id: `chatcmpl-${requestId}`,
      created: Math.floor(receivedAt / 1000),
      model: start.model,
      onFirstToken: () => metrics.observeTimeToFirstToken(start.model, (now() - receivedAt) / 1000),
      cancel: routed.cancel,
      clientGone: routed.clientGone,
      fail: (error) => {
        logger.error({ err: error, path: c.req.path, requestId }, 'internal error after the stream started');
        return `Internal error in the gateway (request ${requestId}) after the stream started; the gateway log has the details.`;
      },
      end: () => metrics.requestEnded(),
    });
    return new Response(body, { status: 200, headers: streamHeaders(start) });
  });
}

type SseOptions = {
  id: string;
  created: number;
  model: string;
  onFirstToken: () => void;
  cancel: () => void;
  /** The client went away (its stream was cancelled or its connection closed). */
  clientGone: () => boolean;
  /** Logs an unexpected failure; returns the message for the client's error event. */
  fail: (error: unknown) => string;
  end: () => void;
};

/**
 * The OpenAI chunk stream. A failure after the first token ends it with an `error` event (the SDKs
 * raise it) and no `[DONE]`, never a silent truncated success. When the client goes away, the
 * upstream call is aborted and the router's iterator returned.
 */
function sseBody(
  iterator: AsyncIterator<ChatStreamEvent>,
  parsed: ParsedChatCompletion,
  options: SseOptions,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const usageField = parsed.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    encoder.encode(
      `data: ${JSON.stringify({
        id: options.id,
        object: 'chat.completion.chunk',
        created: options.created,
        model: options.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...usageField,
      })}\n\n`,
    );
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.end();
  };
  let toolIndex = 0;
  let sentToken = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(chunk({ role: 'assistant', content: '' }));
    },
    async pull(controller) {
      let next: IteratorResult<ChatStreamEvent>;
      try {
        next = await iterator.next();
      } catch (error) {
        end();
        // Nobody is reading: end the stream without an event (erroring a cancelled stream is a no-op).
        if (options.clientGone()) return controller.error(error);
        // A bug, or a failed ledger commit: the headers are gone, so the stream ends with an error event
        // naming the request (provider failures arrive as `error` events below, not here).
        controller.enqueue(sseError('internal_error', options.fail(error)));
        controller.close();
        return;
      }
      if (next.done) {
        controller.close();
        end();
        return;
      }
      const event = next.value;
      if (event.type === 'text-delta' || event.type === 'tool-call') {
        if (!sentToken) {
          sentToken = true;
          options.onFirstToken();
        }
        controller.enqueue(
          event.type === 'text-delta'
            ? chunk({ content: event.text })
            : chunk({ tool_calls: [{ index: toolIndex++, ...openAiToolCall(event.toolCall) }] }),
        );
      } else if (event.type === 'done') {
        controller.enqueue(chunk({}, openAiFinishReason(event.result.finishReason)));
        if (parsed.includeUsage) {
          controller.enqueue(
            encoder.encode(
              `data: ${JSON.stringify({
                id: options.id,
                object: 'chat.completion.chunk',
                created: options.created,
                model: options.model,
                choices: [],
                usage: openAiUsage(event.result.usage),
                pyramid: pyramidSummary(event.result),
              })}\n\n`,
            ),
          );
        }
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
        controller.close();
        end();
      } else if (event.type === 'error') {
        controller.enqueue(
          sseError(event.error.code, `the stream broke after it started: ${event.error.message}`),
        );
        controller.close();
        end();
      }
    },
    async cancel() {
      options.cancel();
      end();
      await iterator.return?.();
    },
  });

  function sseError(code: string, message: string): Uint8Array {
    return encoder.encode(
      `data: ${JSON.stringify({ error: { message, type: 'api_error', code, param: null } })}\n\n`,
    );
  }
}
