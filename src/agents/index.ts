export { agentToolDefinitions } from './agent-tools.ts';
export { Lane } from './lane.ts';
export { type AgentTurnOptions, type AgentTurnResult, noReply, runAgentTurn } from './run-agent-turn.ts';
