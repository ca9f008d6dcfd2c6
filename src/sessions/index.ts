export { boundedHistory } from './bounded-history.ts';
export { isolatedSessionId, mainSessionId, subagentSessionId } from './session-ids.ts';
