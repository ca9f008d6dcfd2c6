import type { ChatStreamEvent } from '../../contracts/chat-result.ts';
import { anthropicErrorType } from './anthropic-error-body.ts';
import { anthropicStopReason, anthropicUsage, thinkingSignature } from './anthropic-shapes.ts';

export type AnthropicStreamOptions = {
  id: string;
  /** Signs the thinking blocks (see thinkingSignature). */
  requestId: string;
  model: string;
  onFirstToken: () => void;
  cancel: () => void;
  clientGone: () => boolean;
  /** Logs an unexpected failure; returns the message for the client's error event. */
  fail: (error: unknown) => string;
  end: () => void;
};

/**
 * The Messages event stream: `message_start`, `ping`, a thinking block when the request asked for
 * thinking and the model reasoned (`thinking_delta`s, then a `signature_delta`), a text block (`text_delta`s), one `tool_use`
 * block per call (its arguments as one `input_json_delta`), `message_delta` with the stop reason and
 * usage, `message_stop`. A failure after the start is an `error` event, never a silent truncation.
 */
export function anthropicEventStream(
  iterator: AsyncIterator<ChatStreamEvent>,
  options: AnthropicStreamOptions,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const event = (type: string, data: Record<string, unknown>) =>
    encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  let index = 0;
  /** The content block being streamed, if any (tool_use blocks open and close at once). */
  let open: 'thinking' | 'text' | undefined;
  let sentToken = false;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.end();
  };
  const close = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!open) return;
    if (open === 'thinking')
      controller.enqueue(
        event('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: thinkingSignature(options.requestId) },
        }),
      );
    controller.enqueue(event('content_block_stop', { index }));
    open = undefined;
    index++;
  };
  const openBlock = (controller: ReadableStreamDefaultController<Uint8Array>, kind: 'thinking' | 'text') => {
    if (open === kind) return;
    close(controller);
    controller.enqueue(
      event('content_block_start', {
        index,
        content_block:
          kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' },
      }),
    );
    open = kind;
  };
  const error = (type: string, message: string) => event('error', { error: { type, message } });
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(
        event('message_start', {
          message: {
            id: options.id,
            type: 'message',
            role: 'assistant',
            model: options.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        }),
      );
      controller.enqueue(event('ping', {}));
    },
    async pull(controller) {
      let next: IteratorResult<ChatStreamEvent>;
      try {
        next = await iterator.next();
      } catch (failure) {
        end();
        if (options.clientGone()) return controller.error(failure);
        controller.enqueue(error('api_error', options.fail(failure)));
        controller.close();
        return;
      }
      if (next.done) {
        controller.close();
        end();
        return;
      }
      const value = next.value;
      if (
        (value.type === 'text-delta' || value.type === 'reasoning-delta' || value.type === 'tool-call') &&
        !sentToken
      ) {
        sentToken = true;
        options.onFirstToken();
      }
      if (value.type === 'reasoning-delta') {
        openBlock(controller, 'thinking');
        controller.enqueue(
          event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: value.text } }),
        );
      } else if (value.type === 'text-delta') {
        openBlock(controller, 'text');
        controller.enqueue(
          event('content_block_delta', { index, delta: { type: 'text_delta', text: value.text } }),
        );
      } else if (value.type === 'tool-call') {
        close(controller);
        const { id, name, arguments: input } = value.toolCall;
        controller.enqueue(
          event('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } }),
        );
        controller.enqueue(
          event('content_block_delta', {
            index,
            delta: { type: 'input_json_delta', partial_json: input || '{}' },
          }),
        );
        controller.enqueue(event('content_block_stop', { index }));
        index++;
      } else if (value.type === 'done') {
        close(controller);
        controller.enqueue(
          event('message_delta', {
            delta: { stop_reason: anthropicStopReason(value.result.finishReason), stop_sequence: null },
            usage: anthropicUsage(value.result.usage),
          }),
        );
        controller.enqueue(event('message_stop', {}));
        controller.close();
        end();
      } else if (value.type === 'error') {
        controller.enqueue(
          error(
            anthropicErrorType(500),
            `the stream broke after it started (${value.error.code}): ${value.error.message}`,
          ),
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
}
