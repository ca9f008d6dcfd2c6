import { type CallParameters, callParameterNames } from '../contracts/call-parameters.ts';
import type { ModelCall } from '../contracts/model-call.ts';

/** Whether a protocol can carry one parameter of a call (only asked about parameters that need sending). */
export type ExpressesParameter = (name: keyof CallParameters, parameters: CallParameters) => boolean;

/**
 * Wire names of the call's parameters that a protocol cannot express. Defaults need nothing sent and
 * are never dropped: `tool_choice: auto`, `parallel_tool_calls: true`, and both without tools.
 */
export function listDroppedParameters(call: ModelCall, expresses: ExpressesParameter): string[] {
  const parameters = call.parameters;
  if (!parameters) return [];
  const dropped: string[] = [];
  const hasTools = (call.tools?.length ?? 0) > 0;
  for (const name of Object.keys(parameters) as (keyof CallParameters)[]) {
    const value = parameters[name];
    if (value === undefined) continue;
    if (name === 'toolChoice' && (value === 'auto' || !hasTools)) continue;
    if (name === 'parallelToolCalls' && (value === true || !hasTools)) continue;
    if (name === 'stop' && (value as string[]).length === 0) continue;
    if (!expresses(name, parameters)) dropped.push(callParameterNames[name]);
  }
  return dropped;
}
