import type { ChatMessage } from '../contracts/message.ts';
import type { StoredMessage } from '../contracts/session-store.ts';

/**
 * The newest whole turns of a transcript that fit in `tokenLimit` (a turn starts at a user message and
 * holds the assistant and tool messages after it). Older turns are dropped, never cut in half, so a
 * tool result is never separated from the call it answers.
 */
export function boundedHistory(stored: readonly StoredMessage[], tokenLimit: number): ChatMessage[] {
  const turns: StoredMessage[][] = [];
  for (const entry of stored) {
    if (entry.message.role === 'user' || turns.length === 0) turns.push([]);
    turns[turns.length - 1].push(entry);
  }
  const kept: StoredMessage[][] = [];
  let tokens = 0;
  for (let index = turns.length - 1; index >= 0; index--) {
    const size = turns[index].reduce((sum, entry) => sum + entry.tokens, 0);
    if (tokens + size > tokenLimit) break;
    tokens += size;
    kept.unshift(turns[index]);
  }
  return kept.flat().map((entry) => entry.message);
}
