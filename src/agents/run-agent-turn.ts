import type { ChatResult } from '../contracts/chat-result.ts';
import type { ConcurrencyLane } from '../contracts/concurrency-lane.ts';
import { AgentTurnError } from '../contracts/errors/agent-turn-error.ts';
import type { ChatMessage, ResponseFormat, ToolCall } from '../contracts/message.ts';
import type { AgentConfig } from '../contracts/pyramid-config.ts';
import type { SessionInfo, SessionStore } from '../contracts/session-store.ts';
import { stripCodeFence } from '../router/check-answer.ts';
import type { Router } from '../router/router.ts';
import { boundedHistory } from '../sessions/bounded-history.ts';
import { subagentSessionId } from '../sessions/session-ids.ts';
import { agentToolDefinitions, toolArguments } from './agent-tools.ts';
import { httpGet, type ResolveHost } from './http-get.ts';
import { outputInstruction } from './output-instruction.ts';
import { runToolCalls } from './run-tool-calls.ts';

/** The exact reply that means "nothing to deliver". */
export const noReply = 'NO_REPLY';

export type AgentTurnOptions = {
  router: Pick<Router, 'complete' | 'explain'>;
  sessions: SessionStore;
  agent: AgentConfig;
  /** The session this turn belongs to; a `main` session brings its bounded history into the context. */
  session: SessionInfo;
  message: string;
  /** The format of the final answer (a job's `output`); default the agent's. Subagents answer in text. */
  output?: ResponseFormat;
  /** The lane subagent tasks run in (shared by every run; never the agent lane). */
  subagents: ConcurrencyLane;
  signal?: AbortSignal;
  now: () => number;
  /** Unused: http_get connects to the address it checked itself (callers still pass it; to remove). */
  fetch?: typeof fetch;
  /** How http_get resolves host names (default: the system resolver); tests point names at 127.0.0.1. */
  resolveHost?: ResolveHost;
  /** Filled in as the turn goes (see newTurnTotals), so a turn that fails still tells what it cost. */
  totals?: AgentTurnResult;
};

/** What a turn produced and what it cost, subagents included. */
export type AgentTurnResult = {
  output: string;
  /** The final text was exactly NO_REPLY. */
  noReply: boolean;
  tiers: number[];
  models: string[];
  escalations: { fromTier: number; reason: string }[];
  costUsd: number;
  usage: { input: number; output: number };
  steps: number;
};

const maxSubagentTasks = 8;
const httpBodyChars = 4000;

/**
 * One agent turn: system prompt + message -> the router with the agent's task, then a bounded tool
 * loop. Every message of the turn is appended to the session's transcript; nothing from any other
 * session enters the context. With a JSON output format every call carries it as its response format:
 * the router checks the final answer (never a tool-call step) and escalates invalid or cut-off JSON.
 */
export async function runAgentTurn(options: AgentTurnOptions): Promise<AgentTurnResult> {
  const { router, sessions, agent, session, now } = options;
  await sessions.ensure(session);
  const history =
    session.kind === 'main'
      ? boundedHistory(await sessions.messages(session.id), agent.mainSessionTokens)
      : [];
  const user: ChatMessage = { role: 'user', content: options.message };
  await sessions.append(session.id, [user], now());
  const requested = options.output ?? agent.output;
  const format = requested && requested.type !== 'text' ? requested : undefined;
  const system = format ? `${agent.prompt}\n\n${outputInstruction(format)}` : agent.prompt;
  const context: ChatMessage[] = [{ role: 'system', content: system }, ...history, user];
  const tools = agentToolDefinitions(agent);
  const topTier = Math.max(
    ...router
      .explain({ task: agent.task, maxTier: agent.maxTier, messages: [] })
      .candidates.map((c) => c.tier),
  );
  const totals = options.totals ?? newTurnTotals();
  let escalation: { fromTier: number; reason: string } | undefined;
  // Once the agent escalated, the rest of its turn stays at least on that tier (tool results included).
  let floorTier: number | undefined;
  let subagentCount = 0;

  for (let step = 0; step < agent.maxSteps; step++) {
    if (options.signal?.aborted) throw new AgentTurnError('agent_aborted', agent.id, 'the turn was aborted');
    const result = await router.complete({
      task: agent.task,
      ...(agent.maxTier === undefined ? {} : { maxTier: agent.maxTier }),
      messages: context,
      ...(tools.length > 0 ? { tools } : {}),
      ...(format ? { responseFormat: format } : {}),
      callerTag: agent.id,
      callerKind: 'scheduled',
      agentId: agent.id, // the agent's spendCap is reserved against on every call of its run
      failover: agent.failover, // nobody waits: the scheduled failover policy
      ...(escalation ? { escalation } : floorTier !== undefined ? { startTier: floorTier } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    escalation = undefined;
    addResult(totals, result);
    totals.steps = step + 1;
    if (result.toolCalls.length === 0) {
      // The router accepted it as JSON, fenced or not: the output is the JSON itself.
      totals.output = format ? stripCodeFence(result.text).trim() : result.text;
      totals.noReply = !format && result.text.trim() === noReply;
      const answer: ChatMessage = { role: 'assistant', content: result.text };
      await sessions.append(session.id, [answer], now());
      return totals;
    }

    const escalateCall = result.toolCalls.find((call) => call.name === 'escalate');
    if (escalateCall && tools.some((tool) => tool.name === 'escalate') && result.tier < topTier) {
      // Asked again one tier up with the same context: the higher tier never sees the request to escalate.
      const reason = String(toolArguments(escalateCall.arguments)?.reason ?? 'the agent asked to escalate');
      escalation = { fromTier: result.tier, reason };
      floorTier = result.tier + 1;
      totals.escalations.push(escalation);
      continue;
    }

    const call: ChatMessage = { role: 'assistant', content: result.text, toolCalls: result.toolCalls };
    const answers = await runToolCalls(result.toolCalls, agent.maxToolCalls, runTool);
    context.push(call, ...answers);
    await sessions.append(session.id, [call, ...answers], now());
  }
  throw new AgentTurnError(
    'agent_step_limit',
    agent.id,
    `agent ${agent.id} used its ${agent.maxSteps} steps without a final answer`,
  );

  async function runTool(toolCall: ToolCall): Promise<string> {
    const allowed = tools.some((tool) => tool.name === toolCall.name);
    if (!allowed) return `error: the tool ${toolCall.name} is not available to this agent`;
    const args = toolArguments(toolCall.arguments);
    // Answered with an error the model can act on, rather than run with made-up empty arguments.
    if (!args) return `error: the arguments are not a JSON object: ${toolCall.arguments.slice(0, 200)}`;
    try {
      switch (toolCall.name) {
        case 'escalate':
          return 'error: no higher tier is available; answer with what you have';
        case 'remember':
          if (typeof args.key !== 'string' || args.key === '' || typeof args.value !== 'string')
            return 'error: remember needs a string key and a string value';
          await sessions.remember(agent.id, args.key, args.value, now());
          return 'remembered';
        case 'recall': {
          const notes = await sessions.recall(agent.id, typeof args.key === 'string' ? args.key : undefined);
          return JSON.stringify(notes.map((note) => ({ key: note.key, value: note.value })));
        }
        case 'http_get':
          return await httpGet({
            url: String(args.url ?? ''),
            allowedHosts: agent.httpAllowedHosts,
            allowPrivateAddresses: agent.httpAllowPrivateAddresses,
            bodyChars: httpBodyChars,
            ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          });
        case 'spawn_subagents':
          return await spawnSubagents(args.tasks);
        default:
          return `error: unknown tool ${toolCall.name}`;
      }
    } catch (error) {
      if (error instanceof AgentTurnError && error.code === 'agent_aborted') throw error;
      return `error: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async function spawnSubagents(raw: unknown): Promise<string> {
    if (!Array.isArray(raw) || raw.length === 0)
      return 'error: spawn_subagents needs tasks: a non-empty list of { prompt, task? }';
    const list = raw.slice(0, maxSubagentTasks);
    // Numbers taken before any await: calls of one answer run in parallel and must not share a session.
    const firstIndex = subagentCount;
    subagentCount += list.length;
    const outcomes = await Promise.all(
      list.map((entry: unknown, index) => {
        const item = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
        const prompt = typeof item.prompt === 'string' ? item.prompt : String(entry);
        const task = typeof item.task === 'string' ? item.task : agent.task;
        const child: SessionInfo = {
          id: subagentSessionId(session.id, firstIndex + index),
          kind: 'subagent',
          agentId: agent.id,
          ...(session.jobId === undefined ? {} : { jobId: session.jobId }),
          ...(session.runId === undefined ? {} : { runId: session.runId }),
          parentId: session.id,
          createdAt: now(),
        };
        return options.subagents.run(async () => {
          const childTotals = newTurnTotals();
          try {
            const result = await runAgentTurn({
              ...options,
              totals: childTotals,
              agent: {
                ...agent,
                task,
                tools: [],
                maxSteps: 1,
                prompt: `${agent.prompt}\n\nYou are a subagent: answer only the sub-task you are given.`,
              },
              session: child,
              message: prompt,
              // A sub-task's answer is read by the parent, not delivered: plain text.
              output: { type: 'text' },
            });
            return { prompt, output: result.output };
          } catch (error) {
            if (error instanceof AgentTurnError && error.code === 'agent_aborted') throw error;
            return { prompt, error: error instanceof Error ? error.message : String(error) };
          } finally {
            mergeSubagent(totals, childTotals);
          }
        }, options.signal);
      }),
    );
    // More than the limit: the model is told which tasks did not run, so it can ask again for them.
    if (raw.length > list.length) {
      return JSON.stringify({
        results: outcomes,
        notRun: raw.slice(list.length),
        note: `only the first ${maxSubagentTasks} of ${raw.length} tasks ran (at most ${maxSubagentTasks} per call); call spawn_subagents again for the rest`,
      });
    }
    return JSON.stringify(outcomes);
  }
}

/** The totals of a turn that has not called a model yet. */
export function newTurnTotals(): AgentTurnResult {
  return {
    output: '',
    noReply: false,
    tiers: [],
    models: [],
    escalations: [],
    costUsd: 0,
    usage: { input: 0, output: 0 },
    steps: 0,
  };
}

function addResult(totals: AgentTurnResult, result: ChatResult): void {
  // The router's own escalations (an empty, cut-off or invalid answer), one per tier it left.
  const attempts = result.trace.attempts;
  attempts.forEach((attempt, index) => {
    const left = attempt.tier < result.tier && attempts[index + 1]?.tier !== attempt.tier;
    if (attempt.outcome !== 'inadequate' || !left) return;
    const reason = attempt.detail ? `${attempt.reason}: ${attempt.detail}` : String(attempt.reason);
    totals.escalations.push({ fromTier: attempt.tier, reason });
  });
  totals.tiers.push(result.tier);
  totals.models.push(result.model);
  totals.costUsd += result.costUsd;
  totals.usage.input += result.usage.input;
  totals.usage.output += result.usage.output + result.usage.reasoning;
}

function mergeSubagent(totals: AgentTurnResult, child: AgentTurnResult): void {
  totals.tiers.push(...child.tiers);
  totals.models.push(...child.models);
  totals.escalations.push(...child.escalations);
  totals.costUsd += child.costUsd;
  totals.usage.input += child.usage.input;
  totals.usage.output += child.usage.output;
}
