import { z } from 'zod';
import { type AgentConfig, agentToolNames } from '../../contracts/pyramid-config.ts';
import { nameSuggester } from '../closest-name.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { failoverSchema, resolveFailoverInput } from '../failover-schema.ts';
import { nameSchema, positiveInteger, tierNumber } from '../names.ts';
import { outputFormatSchema, resolveOutputFormat } from '../output-format-schema.ts';
import { asMapping } from '../raw-value.ts';
import { tierRangeIssue } from '../tier-range-issue.ts';
import { deliveryTargetIssues, deliveryTargetsSchema, resolveDeliveryTargets } from './channels-section.ts';

/** The most tool calls of one answer an agent may be allowed to run at once. */
const maxToolCallsLimit = 64;

/** `docs.example`, `docs.example:8080`, `[::1]:8080`: a host with an optional port, nothing else. */
function isHostEntry(entry: string): boolean {
  if (!/^[^/?#@\s]+$/.test(entry)) return false;
  try {
    return new URL(`http://${entry}`).pathname === '/';
  } catch {
    return false;
  }
}

const agentSchema = z
  .strictObject({
    id: nameSchema('agent').describe('The agent id: used in job definitions, session ids and the ledger.'),
    description: z.string().optional().describe('What the agent does (shown in listings).'),
    task: nameSchema('task')
      .default('default')
      .describe('The task type of its model calls: its minimum tier comes from `tasks`.'),
    prompt: z.string().min(1, { error: 'an agent needs a prompt' }).describe('The system prompt.'),
    maxTier: tierNumber.optional().describe('The highest tier its calls may escalate to.'),
    tools: z
      .array(z.enum(agentToolNames, { error: `expected one of ${agentToolNames.join(', ')}` }))
      .default([])
      .describe(`Built-in tools it may call: ${agentToolNames.join(', ')} (none by default).`),
    mainSession: z
      .boolean()
      .default(false)
      .describe('Keep a persistent agent:<id>:main session for jobs with session: main.'),
    mainSessionTokens: positiveInteger
      .default(8000)
      .describe('Token limit of the main session context; the oldest turns are dropped past it.'),
    maxSteps: positiveInteger.default(8).describe('Model calls per turn, tool steps included (default 8).'),
    httpAllowedHosts: z
      .array(
        z
          .string()
          .min(1)
          .refine(isHostEntry, { error: 'expected a host name or host:port (no scheme, path or user)' }),
      )
      .default([])
      .describe(
        'Hosts http_get may fetch from: a name (ports 80 and 443) or name:port (http_get is off unless it is in tools).',
      ),
    httpAllowPrivateAddresses: z
      .boolean()
      .default(false)
      .describe(
        'Let http_get reach loopback, private, link-local (cloud metadata), CGNAT and unique-local addresses; by default an allowed name resolving to one is refused.',
      ),
    maxToolCalls: positiveInteger
      .max(maxToolCallsLimit, { error: `at most ${maxToolCallsLimit}` })
      .default(8)
      .describe(
        'Tool calls of one model answer that run, at once (default 8); the model is told which did not.',
      ),
    spendCap: z.number().min(0).optional().describe('USD per UTC day for this agent; runs past it fail.'),
    output: outputFormatSchema.optional(),
    failover: failoverSchema
      .optional()
      .describe("Overrides of router.failover.scheduled and of its task's failover for this agent's calls."),
    deliver: deliveryTargetsSchema.default([]).describe('Default delivery targets for its jobs.'),
  })
  .describe('An autonomous agent: a system prompt, a task type and the tools it may use.');

const schema = z.array(agentSchema).default([]).describe('Autonomous agents that jobs run.');

export const agentsSection: ConfigSection<typeof schema, Record<string, AgentConfig>> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    const seen = new Set<string>();
    const taskHint = names.tasks && nameSuggester(names.tasks, 'tasks').hint;
    (Array.isArray(raw) ? raw : []).forEach((entry, index) => {
      const agent = asMapping(entry);
      if (!agent) return;
      if (typeof agent.id === 'string') {
        if (seen.has(agent.id))
          issues.push({ path: [index, 'id'], message: `duplicate agent id "${agent.id}"` });
        seen.add(agent.id);
      }
      if (typeof agent.task === 'string' && names.tasks && !names.tasks.has(agent.task)) {
        issues.push({
          path: [index, 'task'],
          message: `unknown task "${agent.task}": add it under tasks${taskHint?.(agent.task) ?? ''}`,
        });
      }
      const tierIssue = tierRangeIssue(agent.maxTier, [index, 'maxTier'], names, { ceiling: 'maxTier' });
      if (tierIssue) issues.push(tierIssue);
      for (const issue of deliveryTargetIssues(agent.deliver, names)) {
        issues.push({ ...issue, path: [index, 'deliver', ...issue.path] });
      }
      const tools = Array.isArray(agent.tools) ? agent.tools : [];
      const hosts = Array.isArray(agent.httpAllowedHosts) ? agent.httpAllowedHosts : [];
      if (tools.includes('http_get') && hosts.length === 0) {
        issues.push({
          path: [index, 'httpAllowedHosts'],
          message: 'http_get needs at least one allowed host',
        });
      }
    });
    return issues;
  },

  resolve(agents) {
    const resolved: Record<string, AgentConfig> = {};
    for (const agent of agents) {
      resolved[agent.id] = {
        id: agent.id,
        ...(agent.description === undefined ? {} : { description: agent.description }),
        prompt: agent.prompt,
        task: agent.task,
        ...(agent.maxTier === undefined ? {} : { maxTier: agent.maxTier }),
        tools: [...agent.tools],
        mainSession: agent.mainSession,
        mainSessionTokens: agent.mainSessionTokens,
        maxSteps: agent.maxSteps,
        httpAllowedHosts: [...agent.httpAllowedHosts],
        httpAllowPrivateAddresses: agent.httpAllowPrivateAddresses,
        maxToolCalls: agent.maxToolCalls,
        ...(agent.spendCap === undefined ? {} : { spendCapUsd: agent.spendCap }),
        ...(agent.output === undefined ? {} : { output: resolveOutputFormat(agent.output) }),
        ...(agent.failover === undefined ? {} : { failover: resolveFailoverInput(agent.failover) }),
        deliver: resolveDeliveryTargets(agent.deliver),
      };
    }
    return resolved;
  },
};
