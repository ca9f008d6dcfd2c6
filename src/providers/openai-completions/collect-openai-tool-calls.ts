import { randomUUID } from 'node:crypto';
import type { ToolCall } from '../../contracts/message.ts';
import { isJsonObject, type JsonObject } from './read-openai-response.ts';

type Pending = { id?: string; name?: string; arguments: string };

/**
 * Assembles streamed `tool_calls` deltas: the first delta of a call carries its id and name, later
 * ones pieces of its arguments, matched by `index`. Servers that send no index (each delta a whole
 * call, or pieces after it) are matched by id, else appended to the last call. A call without an id
 * gets one, since results are paired with calls by id.
 */
export function collectOpenaiToolCalls() {
  const calls = new Map<number, Pending>();
  let last: Pending | undefined;
  return {
    push(deltas: unknown[]): void {
      for (const delta of deltas) {
        if (!isJsonObject(delta)) continue;
        const id = typeof delta.id === 'string' && delta.id ? delta.id : undefined;
        const pending = find(delta, id);
        if (id) pending.id ??= id;
        const fn: JsonObject = isJsonObject(delta.function) ? delta.function : {};
        if (typeof fn.name === 'string' && fn.name) pending.name ??= fn.name;
        if (typeof fn.arguments === 'string') pending.arguments += fn.arguments;
        last = pending;
      }
    },
    /** The calls in index order; a call that never got a name is a malformed stream (undefined here). */
    finish(): ToolCall[] | undefined {
      const result: ToolCall[] = [];
      for (const [, call] of [...calls].sort(([a], [b]) => a - b)) {
        if (!call.name) return undefined;
        result.push({ id: call.id ?? `call_${randomUUID()}`, name: call.name, arguments: call.arguments });
      }
      return result;
    },
  };

  function find(delta: JsonObject, id: string | undefined): Pending {
    if (typeof delta.index === 'number') return at(delta.index);
    if (id) {
      for (const call of calls.values()) if (call.id === id) return call;
      return at(calls.size);
    }
    return last ?? at(calls.size);
  }

  function at(index: number): Pending {
    let call = calls.get(index);
    if (!call) {
      call = { arguments: '' };
      calls.set(index, call);
    }
    return call;
  }
}
