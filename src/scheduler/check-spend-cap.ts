import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { AgentConfig } from '../contracts/pyramid-config.ts';

/** Throws `agent_spend_cap` when the agent has spent its daily cap (UTC day) by `spentSince`'s count. */
export async function checkSpendCap(
  agent: AgentConfig,
  spentSince: ((sinceMs: number, agentId: string) => number | Promise<number>) | undefined,
  now: () => number,
): Promise<void> {
  if (agent.spendCapUsd === undefined || !spentSince) return;
  const dayStart = Math.floor(now() / 86_400_000) * 86_400_000;
  const spent = await spentSince(dayStart, agent.id);
  if (spent >= agent.spendCapUsd) {
    throw new PyramidError(
      'agent_spend_cap',
      `agent ${agent.id} reached its spend cap of $${agent.spendCapUsd} for today ($${spent.toFixed(4)} spent)`,
    );
  }
}
