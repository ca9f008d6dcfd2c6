import type { ModelCall } from '../contracts/model-call.ts';

/**
 * The call for an API that cannot take a native response format and tools at once: Gemini 2.5
 * answers 400 "Function calling with a response mime type: 'application/json' is unsupported", and
 * Ollama's `format` grammar keeps a model from emitting tool calls at all. With tools the format is
 * left out; the prompt still asks for JSON, and the router still checks the final answer against it.
 */
export function dropFormatWithTools(call: ModelCall): ModelCall {
  if (!call.tools?.length || !call.responseFormat || call.responseFormat.type === 'text') return call;
  const { responseFormat: _dropped, ...rest } = call;
  return rest;
}
