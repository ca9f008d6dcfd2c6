import type { Hono } from 'hono';
import type { ChatRequest } from '../../contracts/chat-request.ts';
import {
  type ChatMessage,
  imageTokenEstimate,
  messageImages,
  messageText,
  type ToolDefinition,
} from '../../contracts/message.ts';
import { anthropicEventStream } from '../anthropic/anthropic-event-stream.ts';
import { anthropicMessage } from '../anthropic/anthropic-shapes.ts';
import { parseMessagesBody } from '../anthropic/parse-messages-body.ts';
import { jsonBody } from '../create-json-body-middleware.ts';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';
import { resolveModelField } from '../resolve-model-field.ts';
import { resultHeaders, streamHeaders } from '../result-headers.ts';
import { routeRequest } from '../route-request.ts';

/**
 * POST /v1/messages (Anthropic's Messages API) and /v1/messages/count_tokens: the same router call
 * as chat completions, translated from and rendered back to Anthropic's shapes, so that the Anthropic
 * SDKs and Claude Code (`ANTHROPIC_BASE_URL`) climb the pyramid. `anthropic-version` is accepted and
 * not needed; auth is `x-api-key` or Bearer.
 */
export function messagesRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { metrics, logger, now, newId } = context;
  app.post('/v1/messages', async (c) => {
    const receivedAt = now();
    // The config, router and gateway settings in use when the request came (a reload replaces them).
    const { router, config, gateway } = context;
    const requestId = newId();
    c.header('x-pyramid-request-id', requestId);
    const parsed = parseMessagesBody(jsonBody(c));
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
      ...(parsed.thinking ? { includeReasoning: true } : {}),
      callerTag: c.get('caller').name,
      requestId,
      signal: routed.signal,
    };
    const withDropped = (headers: Record<string, string>) => {
      if (parsed.dropped.length === 0) return headers;
      const earlier = headers['x-pyramid-dropped-params'];
      headers['x-pyramid-dropped-params'] = [...parsed.dropped, ...(earlier ? [earlier] : [])].join(', ');
      return headers;
    };
    if (!parsed.stream) {
      const result = await routed.complete(request);
      return c.json(anthropicMessage(result), 200, withDropped(resultHeaders(result)));
    }
    const { start, iterator } = await routed.stream(request);
    const body = anthropicEventStream(iterator, {
      id: `msg_${requestId}`,
      requestId,
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
    return new Response(body, { status: 200, headers: withDropped(streamHeaders(start)) });
  });

  app.post('/v1/messages/count_tokens', async (c) => {
    const { config } = context;
    const input = jsonBody(c) as Record<string, unknown>;
    // The same validation as a real request (max_tokens is not part of a count request).
    const parsed = parseMessagesBody({ max_tokens: 1, ...input, stream: false });
    resolveModelField(config, parsed.model, c.req.header('x-pyramid-task'));
    return c.json({ input_tokens: estimateTokens(parsed.messages, parsed.tools) });
  });
}

/**
 * An estimate, not a count: the models behind the pyramid use different tokenizers, and which one
 * answers is decided later. About four characters a token, plus a few per message and tool, and
 * `imageTokenEstimate` per image.
 */
function estimateTokens(messages: ChatMessage[], tools: ToolDefinition[] | undefined): number {
  let characters = 0;
  let overhead = 0;
  for (const message of messages) {
    characters += messageText(message).length;
    if (message.role === 'assistant')
      for (const call of message.toolCalls ?? []) characters += call.name.length + call.arguments.length;
    overhead += 4;
  }
  for (const tool of tools ?? []) {
    characters += JSON.stringify(tool).length;
    overhead += 8;
  }
  return Math.ceil(characters / 4) + overhead + messageImages(messages).length * imageTokenEstimate;
}
