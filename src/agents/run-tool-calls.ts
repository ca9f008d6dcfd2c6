import type { ChatMessage, ToolCall } from '../contracts/message.ts';

/**
 * The tool answers to one model answer's calls: the first `limit` run at once, the others are not run
 * and are answered so (every call still gets its answer, as the protocols require), so that the model
 * can ask again for them, as spawn_subagents does with its tasks.
 */
export async function runToolCalls(
  calls: readonly ToolCall[],
  limit: number,
  run: (call: ToolCall) => Promise<string>,
): Promise<ChatMessage[]> {
  const notRun = (call: ToolCall) =>
    `error: not run: this answer asked for ${calls.length} tool calls and at most ${limit} run per answer (the first ${limit} ran); call ${call.name} again in your next answer if you still need it`;
  return Promise.all(
    calls.map(async (call, index) => ({
      role: 'tool' as const,
      toolCallId: call.id,
      toolName: call.name,
      content: index < limit ? await run(call) : notRun(call),
    })),
  );
}
