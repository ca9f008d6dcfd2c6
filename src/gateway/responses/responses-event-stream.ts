import type { ChatResult, ChatStreamEvent } from '../../contracts/chat-result.ts';
import {
  functionCallItem,
  functionCallItemId,
  messageItem,
  messageItemId,
  outputTextPart,
  pendingResponse,
} from './responses-shapes.ts';

export type ResponsesStreamOptions = {
  id: string;
  createdSeconds: number;
  model: string;
  echo: Record<string, unknown>;
  /** The finished response object, after it is stored (when `store`); its failure fails the stream. */
  finish: (result: ChatResult) => Promise<Record<string, unknown>>;
  onFirstToken: () => void;
  cancel: () => void;
  clientGone: () => boolean;
  /** Logs an unexpected failure; returns the message for the client's error event. */
  fail: (error: unknown) => string;
  end: () => void;
};

/**
 * The Responses event stream: `response.created`, `response.in_progress`, then per output item
 * `response.output_item.added`, its content (`response.content_part.added`, `response.output_text.delta`
 * ... `.done`, or `response.function_call_arguments.delta` / `.done`) and `response.output_item.done`,
 * and `response.completed` with usage. A failure after the start is an `error` event and
 * `response.failed`, never a silent truncation.
 */
export function responsesEventStream(
  iterator: AsyncIterator<ChatStreamEvent>,
  options: ResponsesStreamOptions,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const { id } = options;
  let sequence = 0;
  // Events are gathered per pull and written as one chunk: closing an item alone takes three events.
  let pending = '';
  const event = (type: string, data: Record<string, unknown>) => {
    pending += `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  };
  const flush = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (pending) controller.enqueue(encoder.encode(pending));
    pending = '';
  };
  let outputIndex = 0;
  let text: string | undefined;
  let toolIndex = 0;
  let sentToken = false;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.end();
  };
  const closeMessage = () => {
    if (text === undefined) return;
    const itemId = messageItemId(id);
    const at = { item_id: itemId, output_index: outputIndex, content_index: 0 };
    event('response.output_text.done', { ...at, text, logprobs: [] });
    event('response.content_part.done', { ...at, part: outputTextPart(text) });
    event('response.output_item.done', {
      output_index: outputIndex,
      item: messageItem(id, text, 'completed'),
    });
    text = undefined;
    outputIndex++;
  };
  const failed = (controller: ReadableStreamDefaultController<Uint8Array>, code: string, message: string) => {
    event('error', { code, message, param: null });
    event('response.failed', {
      response: {
        ...pendingResponse(id, options.createdSeconds, options.model, options.echo),
        status: 'failed',
        error: { code: 'server_error', message },
      },
    });
    flush(controller);
    controller.close();
    end();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const response = pendingResponse(id, options.createdSeconds, options.model, options.echo);
      event('response.created', { response });
      event('response.in_progress', { response });
      flush(controller);
    },
    async pull(controller) {
      let next: IteratorResult<ChatStreamEvent>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (options.clientGone()) {
          end();
          return controller.error(error);
        }
        return failed(controller, 'internal_error', options.fail(error));
      }
      if (next.done) {
        flush(controller);
        controller.close();
        end();
        return;
      }
      const value = next.value;
      if ((value.type === 'text-delta' || value.type === 'tool-call') && !sentToken) {
        sentToken = true;
        options.onFirstToken();
      }
      if (value.type === 'text-delta') {
        const itemId = messageItemId(id);
        if (text === undefined) {
          text = '';
          event('response.output_item.added', {
            output_index: outputIndex,
            item: messageItem(id, '', 'in_progress'),
          });
          event('response.content_part.added', {
            item_id: itemId,
            output_index: outputIndex,
            content_index: 0,
            part: outputTextPart(''),
          });
        }
        text += value.text;
        event('response.output_text.delta', {
          item_id: itemId,
          output_index: outputIndex,
          content_index: 0,
          delta: value.text,
          logprobs: [],
        });
      } else if (value.type === 'tool-call') {
        closeMessage();
        const index = toolIndex++;
        const itemId = functionCallItemId(id, index);
        const args = value.toolCall.arguments || '{}';
        event('response.output_item.added', {
          output_index: outputIndex,
          item: functionCallItem(id, index, value.toolCall, 'in_progress'),
        });
        event('response.function_call_arguments.delta', {
          item_id: itemId,
          output_index: outputIndex,
          delta: args,
        });
        event('response.function_call_arguments.done', {
          item_id: itemId,
          output_index: outputIndex,
          name: value.toolCall.name,
          arguments: args,
        });
        event('response.output_item.done', {
          output_index: outputIndex,
          item: functionCallItem(id, index, value.toolCall, 'completed'),
        });
        outputIndex++;
      } else if (value.type === 'done') {
        closeMessage();
        let response: Record<string, unknown>;
        try {
          response = await options.finish(value.result);
        } catch (error) {
          return failed(controller, 'internal_error', options.fail(error));
        }
        event(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
          response,
        });
        flush(controller);
        controller.close();
        end();
      } else if (value.type === 'error') {
        failed(controller, value.error.code, `the stream broke after it started: ${value.error.message}`);
      }
      flush(controller);
    },
    async cancel() {
      options.cancel();
      end();
      await iterator.return?.();
    },
  });
}
