import { PyramidError } from './pyramid-error.ts';

/** An agent turn that could not finish: `agent_step_limit` (the tool loop ran out of steps) or `agent_aborted`. */
export class AgentTurnError extends PyramidError {
  readonly agentId: string;
  constructor(code: 'agent_step_limit' | 'agent_aborted', agentId: string, message: string) {
    super(code, message);
    this.agentId = agentId;
  }
}
