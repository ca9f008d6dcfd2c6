import { newTurnTotals, runAgentTurn } from '../agents/run-agent-turn.ts';
import type { ConcurrencyLane } from '../contracts/concurrency-lane.ts';
import type { AgentConfig, JobConfig } from '../contracts/pyramid-config.ts';
import type { RunRecord } from '../contracts/scheduler-store.ts';
import type { SessionInfo, SessionStore } from '../contracts/session-store.ts';
import type { Router } from '../router/router.ts';
import { isolatedSessionId, mainSessionId } from '../sessions/session-ids.ts';

/** What running a job's payload needs. */
export type RunPayloadDeps = {
  router: Pick<Router, 'complete' | 'explain'>;
  sessions: SessionStore;
  subagents: ConcurrencyLane;
  now: () => number;
  fetch?: typeof fetch;
};

/**
 * Runs a job's payload as `run`: an agent turn in the job's session (filling in the run's output and
 * what it spent, even when the turn fails), or a system event appended to the agent's main session.
 */
export async function runPayload(
  deps: RunPayloadDeps,
  run: RunRecord,
  job: JobConfig,
  agent: AgentConfig,
  signal: AbortSignal,
): Promise<void> {
  const now = deps.now;
  if (job.payload.kind === 'systemEvent') {
    // A system event has no turn of its own: it joins the main session for the agent's next turn there.
    const session = sessionInfo(mainSessionId(agent.id), 'main', agent, job, run, now);
    await deps.sessions.ensure(session);
    await deps.sessions.append(
      session.id,
      [{ role: 'user', content: `[system event] ${job.payload.text}` }],
      now(),
    );
    run.sessionId = session.id;
    return;
  }
  const session =
    job.session === 'main'
      ? sessionInfo(mainSessionId(agent.id), 'main', agent, job, run, now)
      : sessionInfo(isolatedSessionId(job.id, run.id), 'isolated', agent, job, run, now);
  // Filled in call by call, so that a run that fails (step limit, timeout) still records what it spent.
  const totals = newTurnTotals();
  try {
    const result = await runAgentTurn({
      router: deps.router,
      sessions: deps.sessions,
      agent,
      session,
      message: job.payload.message,
      ...(job.output ? { output: job.output } : {}),
      subagents: deps.subagents,
      signal,
      now,
      totals,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    run.output = result.output;
    run.noReply = result.noReply;
  } finally {
    run.tiers = totals.tiers;
    run.models = totals.models;
    run.escalations = totals.escalations;
    run.costUsd = totals.costUsd;
    run.usage = totals.usage;
  }
}

function sessionInfo(
  id: string,
  kind: 'main' | 'isolated',
  agent: AgentConfig,
  job: JobConfig,
  run: RunRecord,
  now: () => number,
): SessionInfo {
  return kind === 'main'
    ? { id, kind, agentId: agent.id, createdAt: now() }
    : { id, kind, agentId: agent.id, jobId: job.id, runId: run.id, createdAt: now() };
}
