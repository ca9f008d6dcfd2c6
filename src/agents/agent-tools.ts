import type { ToolDefinition } from '../contracts/message.ts';
import type { AgentConfig, AgentToolName } from '../contracts/pyramid-config.ts';

const definitions: Record<AgentToolName, ToolDefinition> = {
  spawn_subagents: {
    name: 'spawn_subagents',
    description:
      'Run sub-tasks in parallel, each in its own fresh session; returns each sub-task answer. Use for independent pieces of work.',
    parameters: {
      type: 'object',
      properties: {
        tasks: {
          type: 'array',
          maxItems: 8,
          items: {
            type: 'object',
            properties: {
              prompt: { type: 'string', description: 'The sub-task, self-contained.' },
              task: { type: 'string', description: 'Optional task type (sets its minimum tier).' },
            },
            required: ['prompt'],
          },
        },
      },
      required: ['tasks'],
    },
  },
  escalate: {
    name: 'escalate',
    description:
      'Ask for a more capable model (the next tier) when this task is beyond you. Give the reason.',
    parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
  },
  remember: {
    name: 'remember',
    description: 'Keep a note for later runs of this agent.',
    parameters: {
      type: 'object',
      properties: { key: { type: 'string' }, value: { type: 'string' } },
      required: ['key', 'value'],
    },
  },
  recall: {
    name: 'recall',
    description: 'Read notes kept by earlier runs of this agent (one key, or all).',
    parameters: { type: 'object', properties: { key: { type: 'string' } } },
  },
  http_get: {
    name: 'http_get',
    description: 'Fetch a URL with GET (allowed hosts only); returns the status and the start of the body.',
    parameters: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
  },
};

/** The tool definitions an agent may call (its `tools`; `http_get` only with allowed hosts). */
export function agentToolDefinitions(agent: AgentConfig): ToolDefinition[] {
  return agent.tools
    .filter((name) => name !== 'http_get' || agent.httpAllowedHosts.length > 0)
    .map((name) => definitions[name]);
}

/** Parses a tool call's JSON arguments; undefined when they are not a JSON object (the model sent garbage). */
export function toolArguments(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
