export { agentToolDefinitions } from './agent-tools.ts';
export { Lane } from './lane.ts';
export {
  type AgentTurnOptions,
  type AgentTurnResult,
  newTurnTotals,
  noReply,
  runAgentTurn,
} from './run-agent-turn.ts';
export { SharedLane, type SharedLaneOptions } from './shared-lane.ts';
